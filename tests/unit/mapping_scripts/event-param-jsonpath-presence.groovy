// isPresent() on JSONPath results.
mapping {
    map firstInSession() onto 'sessionStart'
    map timestamp() onto 'ts'
    map remoteHost() onto 'remoteHost'

    map eventParameters().path('$.foo').isPresent() onto 'flag1'
    map eventParameters().path('$.missing').isPresent() onto 'flag2'
}
