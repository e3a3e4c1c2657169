// and/or/not over presence tests (location present, no referer).
mapping {
    map firstInSession() onto 'sessionStart'
    map timestamp() onto 'ts'
    map remoteHost() onto 'remoteHost'

    map referer().isPresent().or(location().isPresent()) onto 'unreliable'
    map location().isPresent().and(referer().isPresent()) onto 'dupe'
    map not(location().isAbsent()) onto 'queryparamBoolean'
    map location().isPresent().and(referer().isPresent().or(location().isPresent())) onto 'pathBoolean'
}
