// Unseeded and two seeds give three different values.
mapping {
    map firstInSession() onto 'sessionStart'
    map timestamp() onto 'ts'
    map remoteHost() onto 'remoteHost'

    map digest('sha-256').add(eventId()).result().toBase64() onto 'digestString'
    map digest('sha-256', 'foo').add(eventId()).result().toBase64() onto 'digestString2'
    map digest('sha-256', 'bar').add(eventId()).result().toBase64() onto 'digestString3'
}
