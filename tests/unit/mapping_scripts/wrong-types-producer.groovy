// A Boolean producer onto an int field.
mapping {
    map firstInSession() onto 'sessionStart'
    map timestamp() onto 'ts'
    map remoteHost() onto 'remoteHost'

    map firstInSession() onto 'viewportWidth'
}
