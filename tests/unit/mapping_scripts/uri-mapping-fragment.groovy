// A fragment parsed as a URI of its own.
mapping {
    map firstInSession() onto 'sessionStart'
    map timestamp() onto 'ts'
    map remoteHost() onto 'remoteHost'

    def locationUri = parse location() to uri
    def fragmentUri = parse locationUri.rawFragment() to uri
    map fragmentUri.path() onto 'uriPath'
    map fragmentUri.rawQueryString() onto 'uriQueryString'
    map fragmentUri.query().value('q') onto 'uriQueryStringValue'
}
