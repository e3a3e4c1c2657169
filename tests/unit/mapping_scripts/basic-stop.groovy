// An unconditional stop() ends the mapping.
mapping {
    map firstInSession() onto 'sessionStart'
    map timestamp() onto 'ts'
    map remoteHost() onto 'remoteHost'

    map 'happened' onto 'client'
    stop()
    map 'should not happen' onto 'session'
}
