import KDNASCommand

KDNAS.main(KDNAS.arguments(CommandLine.arguments))
