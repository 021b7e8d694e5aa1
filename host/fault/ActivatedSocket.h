#pragma once

namespace mvi::host::fault {

/// The listening socket a service manager passed by socket activation (systemd's protocol,
/// sd_listen_fds(3)): descriptor 3 when `LISTEN_PID` names this process and `LISTEN_FDS` is 1.
/// Returns -1 when nothing was passed (the host then binds `http.host:http.port` itself).
///
/// `LISTEN_PID`, `LISTEN_FDS` and `LISTEN_FDNAMES` are removed from the environment, so that no
/// process this one starts takes the socket for its own; the descriptor is left open across
/// exec, for the serving process. Throws Poco::InvalidArgumentException when more than one
/// socket is passed or when descriptor 3 is not a listening stream socket.
///
/// THREADING: call once, at start, before any thread is started (it changes the environment).
int takeActivatedSocket();

}  // namespace mvi::host::fault
