"""The uid and pid of the process at the other end of a Unix socket connection.

`_socket`, not `socket`: the shim checks its daemon's uid on every start, and `socket`
costs it ~10 ms of imports (enum, selectors).
"""

from __future__ import annotations

import _socket
import struct
import sys


def peer_credentials(sock: _socket.socket) -> tuple[int | None, int]:
    """Return `(pid, uid)` of the peer; pid is None where the OS does not tell it."""
    if hasattr(_socket, "SO_PEERCRED"):  # Linux
        fmt = "3i"
        pid, uid, _gid = struct.unpack(
            fmt, sock.getsockopt(_socket.SOL_SOCKET, _socket.SO_PEERCRED, struct.calcsize(fmt))
        )
        return pid, uid
    if sys.platform == "darwin":  # untested here: no macOS in CI (see README)
        xucred = "@IIh2x16I"
        local_peercred = getattr(_socket, "LOCAL_PEERCRED", 1)
        _ver, uid, *_ = struct.unpack(
            xucred, sock.getsockopt(0, local_peercred, struct.calcsize(xucred))
        )
        pid = struct.unpack("@i", sock.getsockopt(0, 2, 4))[0]  # LOCAL_PEERPID
        return pid, uid
    raise OSError("peer credentials are not available on this platform")
