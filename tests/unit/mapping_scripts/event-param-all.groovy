// The whole parameters onto a nested record.
mapping {
    map firstInSession() onto 'sessionStart'
    map timestamp() onto 'ts'
    map remoteHost() onto 'remoteHost'

    map eventParameters() onto 'paramRecord'
}
