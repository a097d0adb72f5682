import KDNASCommand

do {
    KDNAS.main(try KDNAS.arguments(CommandLine.arguments))
} catch {
    KDNAS.exit(withError: error)
}
