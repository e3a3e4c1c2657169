// Parameters onto map<string>, and value().
mapping {
    map firstInSession() onto 'sessionStart'
    map timestamp() onto 'ts'
    map remoteHost() onto 'remoteHost'

    map eventParameters() onto 'paramMap'
    map eventParameters().value('foo') onto 'paramValue'
}
