// JSONPath results: scalars add their text, arrays add nothing.
mapping {
    map firstInSession() onto 'sessionStart'
    map timestamp() onto 'ts'
    map remoteHost() onto 'remoteHost'

    map digest("sha-256")
        .add(eventParameters().path('$.foo'))
        .add(eventParameters().path('$.bar'))
        .add(eventParameters().path('$.items'))
        .add(eventParameters().path('$.items[*].name'))
        .add(eventParameters().path('$.items[0].name'))
        .result() onto 'digestBinary'
}
