// Parse, path and match chained on an absent referer: everything stays absent.
mapping {
    map firstInSession() onto 'sessionStart'
    map timestamp() onto 'ts'
    map remoteHost() onto 'remoteHost'

    def refUri = parse referer() to uri
    def pathMatcher = match '^/(.*)$' against refUri.path()
    when pathMatcher.matches() apply {
        map pathMatcher.group(1) onto 'queryparam'
    }
    map refUri.query().value('q') onto 'queryparam'
}
