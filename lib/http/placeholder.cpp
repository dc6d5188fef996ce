namespace sonde::http {}
