// A string literal onto a boolean field.
mapping {
    map firstInSession() onto 'sessionStart'
    map timestamp() onto 'ts'
    map remoteHost() onto 'remoteHost'

    map 'not a boolean' onto 'sessionStart'
}
