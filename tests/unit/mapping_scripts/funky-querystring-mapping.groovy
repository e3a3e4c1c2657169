// Odd query strings.
mapping {
    map firstInSession() onto 'sessionStart'
    map timestamp() onto 'ts'
    map remoteHost() onto 'remoteHost'

    def locationUri = parse location() to uri
    def query = locationUri.query()
    map query.value('a') onto 'uriQueryStringValue'
    map query.value('b') onto 'queryparam'
    map query.value('c') onto 'client'
    map query.value('d') onto 'pageview'
}
