// Literals of every mappable type.
mapping {
    map firstInSession() onto 'sessionStart'
    map timestamp() onto 'ts'
    map remoteHost() onto 'remoteHost'

    map 'string value' onto 'queryparam'
    map true onto 'queryparamBoolean'
    map 42L onto 'queryparamLong'
    map 42 onto 'pathInteger'
    map 42.0D onto 'queryparamDouble'
}
