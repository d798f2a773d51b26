"""Socket activation: a listening socket handed over by systemd or launchd.

With `systemd/mcpod.socket` (or the LaunchAgent's `Sockets`), the service manager owns the
socket: it exists before the daemon, survives it, and starts the daemon on the first
connection. The daemon then must neither bind nor unlink it.
"""

from __future__ import annotations

import logging
import os
import socket
import sys

log = logging.getLogger(__name__)

SD_LISTEN_FDS_START = 3
LAUNCHD_SOCKET_NAME = b"Listeners"


def inherited_listener() -> socket.socket | None:
    """The activated listening socket, if this process was started with one."""
    sock = _systemd()
    if sock is None and sys.platform == "darwin":
        sock = _launchd()
    return sock


def _systemd() -> socket.socket | None:
    if os.environ.get("LISTEN_PID") != str(os.getpid()):
        return None
    count = int(os.environ.get("LISTEN_FDS", "0") or 0)
    # Not inherited by the upstream servers this daemon spawns.
    for key in ("LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"):
        os.environ.pop(key, None)
    if count < 1:
        return None
    if count > 1:
        log.warning("systemd passed %d sockets; mcpod uses the first", count)
    try:
        os.set_inheritable(SD_LISTEN_FDS_START, False)
        sock = socket.socket(fileno=SD_LISTEN_FDS_START)
    except OSError as exc:
        log.error("LISTEN_FDS is set but fd 3 is unusable (%s); binding the socket instead", exc)
        return None
    if sock.family != socket.AF_UNIX:
        log.error("the activated socket is not a Unix socket; ignoring it")
        sock.detach()
        return None
    return sock


def _launchd() -> socket.socket | None:  # pragma: no cover - macOS only, untested in CI
    import ctypes
    import ctypes.util

    libc = ctypes.CDLL(ctypes.util.find_library("c") or "/usr/lib/libSystem.dylib", use_errno=True)
    fds = ctypes.POINTER(ctypes.c_int)()
    count = ctypes.c_size_t(0)
    status = libc.launch_activate_socket(
        LAUNCHD_SOCKET_NAME, ctypes.byref(fds), ctypes.byref(count)
    )
    if status != 0 or count.value < 1:
        return None  # ESRCH: not started by launchd with sockets
    sock = socket.socket(fileno=fds[0])
    libc.free(fds)
    return sock
