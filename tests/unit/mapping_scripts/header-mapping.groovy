// Header lists and their accessors.
mapping {
    map firstInSession() onto 'sessionStart'
    map timestamp() onto 'ts'
    map remoteHost() onto 'remoteHost'

    map header('X-Divolte-Test') onto 'headerList'
    map header('X-Divolte-Test').first() onto 'headerFirst'
    map header('x-divolte-test').get(0) onto 'headerGet0'
    map header('X-DIVOLTE-TEST').get(1) onto 'headerGet1'
    map header('X-Divolte-Test').get(2) onto 'headerGet2'
    map header('X-Divolte-Test').get(3) onto 'headerGet3'
    map header('X-Divolte-Test').get(-4) onto 'headerGet_4'
    map header('X-Divolte-Test').get(-3) onto 'headerGet_3'
    map header('X-Divolte-Test').get(-2) onto 'headerGet_2'
    map header('X-Divolte-Test').get(-1) onto 'headerGet_1'
    map header('X-Divolte-Test').last() onto 'headerLast'
    map header('X-Divolte-Test').commaSeparated() onto 'headers'
}
