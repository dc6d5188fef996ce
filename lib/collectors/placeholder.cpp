namespace sonde::collectors {}
