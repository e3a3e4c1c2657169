// Every documented algorithm, plain and seeded, in a loop.
mapping {
    map firstInSession() onto 'sessionStart'
    map timestamp() onto 'ts'
    map remoteHost() onto 'remoteHost'

    ['sha-224', 'sha-256', 'sha-384', 'sha-512'].each { algorithm ->
        map digest(algorithm).add(eventId()).result() onto 'digestBinary'
        map digest(algorithm, "seed-$algorithm").add(eventId()).result() onto 'digestBinary'
        map digest(algorithm, "seed-$it").add(eventId()).result() onto 'digestBinary'
    }
}
