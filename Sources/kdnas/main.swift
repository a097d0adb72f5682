import KDNASCommand

KDNAS.main()
