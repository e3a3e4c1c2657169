// A literal.
mapping {
    map firstInSession() onto 'sessionStart'
    map timestamp() onto 'ts'
    map remoteHost() onto 'remoteHost'

    map digest('sha-256').add('aLiteralString').result() onto 'digestBinary'
}
