// JSONPath onto string, int, array<double> and array<record>.
mapping {
    map firstInSession() onto 'sessionStart'
    map timestamp() onto 'ts'
    map remoteHost() onto 'remoteHost'

    map eventParameters().path('$.foo') onto 'paramValue'
    map eventParameters().path('$.bar') onto 'paramIntValue'
    map eventParameters().path('$.items[*].price') onto 'itemPrices'
    map eventParameters().path('$.items') onto 'items'
}
