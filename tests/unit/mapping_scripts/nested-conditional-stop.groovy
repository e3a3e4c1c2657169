// stop() inside nested when blocks ends everything.
mapping {
    map firstInSession() onto 'sessionStart'
    map timestamp() onto 'ts'
    map remoteHost() onto 'remoteHost'

    when location().isPresent() apply {
        map 'happened' onto 'client'
        when(location().isPresent()) {
            section {
                stop()
            }
        }
        map 'should not happen' onto 'session'
    }
    map 'should not happen' onto 'session'
}
