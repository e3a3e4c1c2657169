// The client's clock onto a long.
mapping {
    map firstInSession() onto 'sessionStart'
    map timestamp() onto 'ts'
    map remoteHost() onto 'remoteHost'

    map clientTimestamp() onto 'ts'
}
