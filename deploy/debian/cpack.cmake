# `cpack -G DEB` in a configured build tree (after building sonde and sonde_install_files, or
# through tools/package-test.sh): one package, sonde_<version>_<arch>.deb, of everything
# `cmake --install` puts under /usr and /etc.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME sonde)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_CONTACT "sonde maintainers <maintainers@users.noreply.b-seed-e3b54bf5.example>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "host monitoring daemon for Prometheus")
# The extended description (CPack puts the summary above it and indents each line).
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "sonde is one long-running process per host, scraped by Prometheus. It samples
the host with node_exporter's metric names (so existing dashboards and alert
rules work), takes DogStatsD metrics from local applications over a Unix
socket, and reads NVIDIA GPUs through NVML with dcgm-exporter's names.
.
The package runs it as a hardened systemd service under the sonde user.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Library dependencies come from dpkg-shlibdeps on the installed binary; systemd-sysusers
# (postinst) from systemd where it runs, else from the small standalone package;
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# procps: /bin/kill for the unit's ExecReload (minbase systems lack it).
set(CPACK_DEBIAN_PACKAGE_DEPENDS "systemd-standalone-sysusers | systemd, procps")
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_CURRENT_LIST_DIR}/conffiles ${CMAKE_CURRENT_LIST_DIR}/postinst
    ${CMAKE_CURRENT_LIST_DIR}/prerm ${CMAKE_CURRENT_LIST_DIR}/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
