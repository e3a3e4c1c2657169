// Digesting the bytes of another digest.
mapping {
    map firstInSession() onto 'sessionStart'
    map timestamp() onto 'ts'
    map remoteHost() onto 'remoteHost'

    def inner = digest('SHA-256').result()
    map digest('SHA-256').add(inner).result() onto 'digestBinary'
}
