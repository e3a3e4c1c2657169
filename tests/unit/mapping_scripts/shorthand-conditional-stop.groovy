// when … stop()
mapping {
    map firstInSession() onto 'sessionStart'
    map timestamp() onto 'ts'
    map remoteHost() onto 'remoteHost'

    map 'happened' onto 'client'
    when location().isPresent() stop()
    map 'should not happen' onto 'session'
}
