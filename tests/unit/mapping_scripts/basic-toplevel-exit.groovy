// exit() outside any section ends the mapping like stop().
mapping {
    map firstInSession() onto 'sessionStart'
    map timestamp() onto 'ts'
    map remoteHost() onto 'remoteHost'

    map 'happened' onto 'client'
    exit()
    map 'should not happen' onto 'session'
}
