// Nested when, equalTo in command form, header presence.
mapping {
    map firstInSession() onto 'sessionStart'
    map timestamp() onto 'ts'
    map remoteHost() onto 'remoteHost'

    when { location() equalTo 'http://www.example.com/' } apply {
        map 'locationmatch' onto 'eventType'
        when { referer() equalTo 'http://www.example.com/somepage.html' } apply {
            map 'referermatch' onto 'client'
        }
    }
    when { referer() equalTo 'not the referer' } apply {
        map 'is set' onto 'queryparam'
    }
    when header('X-Non-Existing-Header-Name').isAbsent() apply {
        map 'absent' onto 'event'
    }
    when location().isAbsent() apply {
        map 'should not apply' onto 'event'
    }
    when location().isPresent() apply {
        map 'present' onto 'pageview'
    }
    when header('X-Non-Existing-Header-Name').isPresent() apply {
        map 'should not apply' onto 'pageview'
    }
}
