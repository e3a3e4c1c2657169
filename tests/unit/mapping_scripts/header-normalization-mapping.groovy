// The header normaliser on messy lines.
mapping {
    map firstInSession() onto 'sessionStart'
    map timestamp() onto 'ts'
    map remoteHost() onto 'remoteHost'

    map header('X-Divolte-Horrible') onto 'headerList'
}
