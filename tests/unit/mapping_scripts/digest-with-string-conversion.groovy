// result().toBase64() onto a string.
mapping {
    map firstInSession() onto 'sessionStart'
    map timestamp() onto 'ts'
    map remoteHost() onto 'remoteHost'

    map digest('sha-256').add(eventId()).result().toBase64() onto 'digestString'
}
