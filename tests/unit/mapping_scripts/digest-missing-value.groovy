// An absent header value adds nothing.
mapping {
    map firstInSession() onto 'sessionStart'
    map timestamp() onto 'ts'
    map remoteHost() onto 'remoteHost'

    map digest('sha-256').add(header('X-Not-Sent').first()).result() onto 'digestBinary'
}
