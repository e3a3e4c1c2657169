// exit() leaves the innermost section.
mapping {
    map firstInSession() onto 'sessionStart'
    map timestamp() onto 'ts'
    map remoteHost() onto 'remoteHost'

    section {
        when location().isPresent() apply {
            map 'happened' onto 'client'
            exit()
            map 'should not happen' onto 'session'
        }
    }
    section {
        when location().isPresent() apply {
            map 'happened' onto 'pageview'
            when location().isAbsent() exit()
            map 'happened' onto 'event'
            when location().isPresent() exit()
            map 'should not happen' onto 'session'
        }
    }
    map 'happened' onto 'customCookie'
}
