namespace sonde::config {}
