// A definite path that matches nothing leaves the field alone.
mapping {
    map firstInSession() onto 'sessionStart'
    map timestamp() onto 'ts'
    map remoteHost() onto 'remoteHost'

    map 'value that should not be overwritten' onto 'paramValue'
    map eventParameters().path('$.foo') onto 'paramValue'
}
