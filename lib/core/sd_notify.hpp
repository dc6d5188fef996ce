// The systemd notification protocol (sd_notify(3)): one datagram of "KEY=VALUE\n" lines sent to
// the AF_UNIX socket named by $NOTIFY_SOCKET. systemd documents the protocol itself as the stable
// interface and advises daemons that need nothing else from libsystemd not to link it; sonde
// did, and libsystemd with its seven dependent libraries cost about 1 MB of resident memory
// (docs/performance.md). Without $NOTIFY_SOCKET every call is a no-op.
#pragma once

#include <string_view>

#include "core/result.hpp"

namespace sonde::core {

/// Sends `state` (e.g. "READY=1") to the socket named by `notify_socket`: a path, or an abstract
/// socket name starting with '@'. An empty `notify_socket` sends nothing and succeeds.
Status sd_notify_to(std::string_view notify_socket, std::string_view state);

/// sd_notify_to($NOTIFY_SOCKET, state).
Status sd_notify(std::string_view state);

/// "RELOADING=1\nMONOTONIC_USEC=<now>", as Type=notify-reload units expect.
Status sd_notify_reloading();

}  // namespace sonde::core
