// A string onto an int fails; later actions still run.
mapping {
    map firstInSession() onto 'sessionStart'
    map timestamp() onto 'ts'
    map remoteHost() onto 'remoteHost'

    map eventParameters().path('$.foo') onto 'paramIntValue'
    map true onto 'flag1'
}
