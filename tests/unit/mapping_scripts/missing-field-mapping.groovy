// A field that the schema does not have.
mapping {
    map firstInSession() onto 'sessionStart'
    map timestamp() onto 'ts'
    map remoteHost() onto 'remoteHost'

    map location() onto 'notInTheSchema'
}
