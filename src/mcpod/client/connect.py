"""Connect to the daemon, say hello, and start one when none answers (stdlib only).

Follows watchman: only ENOENT / ECONNREFUSED mean "no daemon"; then spawn one and retry
with a bounded doubling backoff. Two clients racing both spawn; the daemon's flock lets
one win and the other exit, and both clients end up connected to the winner.
"""

from __future__ import annotations

import _socket
import errno
import os
import sys
import time

from mcpod import __version__
from mcpod.protocol import CAPABILITIES, PROTOCOL_VERSION, json_lite
from mcpod.protocol.peercred import peer_credentials
from mcpod.protocol.socketpath import check_socket_length

TYPE_CHECKING = False  # not `from typing`: the shim's start-up cannot afford it
if TYPE_CHECKING:
    import subprocess
    from typing import Any

    from mcpod.protocol import Paths

# What the shim's way to a warm daemon imports is only this module, `_socket`, `_json`
# and `os.path`: `socket`, `json`, `enum` (the error registry) and `pathlib` cost ~40 ms
# of start-up together, so errors and `Paths` are imported where they are needed.

ABSENT_ERRNOS = (errno.ENOENT, errno.ECONNREFUSED)
# The daemon imports the mcp SDK (~0.7 s) and takes its lock first, which can mean waiting
# for a stopping daemon to let go (it stops its servers first: several seconds).
SPAWN_TIMEOUT_S = 60.0
HANDSHAKE_TIMEOUT_S = 10.0
MAX_WELCOME_BYTES = 1 << 20


def connect(paths: Paths) -> _socket.socket:
    """Connect to a running daemon; `FileNotFoundError`/`ConnectionRefusedError` if none."""
    return connect_to(os.fspath(paths.socket))


def connect_to(path: str) -> _socket.socket:
    """`connect` to the socket at `path`.

    The daemon must run as this user: a socket someone else serves (planted in a shared
    directory) is refused before anything, the hello's cwd and env included, is sent.
    """
    check_socket_length(path)
    sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        sock.connect(path)
        _check_owner(sock, path)
    except BaseException:
        sock.close()
        raise
    return sock


def _check_owner(sock: _socket.socket, path: str) -> None:
    try:
        _pid, uid = peer_credentials(sock)
    except OSError:
        return  # no peer credentials on this OS: the socket's 0700 directory must do
    if uid != os.getuid():
        from mcpod.protocol.errors import DaemonUnavailable

        raise DaemonUnavailable(
            f"{path} is served by uid {uid}, not by you; refusing to talk to it. "
            "Remove it, or set MCPOD_SOCKET to a path in a directory of your own"
        )


def hello_message(role: str, **fields: Any) -> dict[str, Any]:
    """The first line of every connection, in the shape of `mcpod.protocol.wire.Hello`."""
    return {
        "type": "hello",
        "protocol": PROTOCOL_VERSION,
        "version": __version__,
        "role": role,
        "capabilities": list(CAPABILITIES),
        "pid": os.getpid(),
        **fields,
    }


def handshake(sock: _socket.socket, hello: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    """Send `hello`, return the daemon's welcome and any bytes that followed it.

    Raises `HandshakeFailed` with the daemon's reason when it answers with an error.
    """
    sock.settimeout(HANDSHAKE_TIMEOUT_S)
    sock.sendall(json_lite.dumps(hello).encode() + b"\n")
    received = b""
    while b"\n" not in received:
        if len(received) > MAX_WELCOME_BYTES:
            raise _failed("the daemon sent an oversized handshake")
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            raise _failed(
                f"the daemon did not answer the hello within {HANDSHAKE_TIMEOUT_S:.0f} s"
            ) from None
        if not chunk:
            raise _failed("the daemon closed the connection during the handshake")
        received += chunk
    sock.settimeout(None)
    first, _, rest = received.partition(b"\n")
    try:
        answer = json_lite.loads(first)
    except ValueError:
        raise _failed("the daemon sent an unreadable handshake") from None
    if not isinstance(answer, dict):
        raise _failed("the daemon sent an unreadable handshake")
    if answer.get("type") == "error":
        raise _failed(answer.get("message", "refused"), answer.get("code"))
    if answer.get("type") != "welcome":
        raise _failed(f"unexpected handshake answer: {answer.get('type')!r}")
    return answer, rest


def _failed(message: object, code: object = None) -> Exception:
    """A `HandshakeFailed` (its module, with the error registry, loaded only now)."""
    from mcpod.protocol.errors import ErrorCode, HandshakeFailed, error_code

    return HandshakeFailed(str(message), code=error_code(code, ErrorCode.HANDSHAKE_FAILED))


_spawned: list[subprocess.Popen[bytes]] = []


def reap_spawned() -> None:
    """Collect the exit status of daemons this process started that have exited since.

    A long-lived shim outlives the daemon it started; without this the daemon would stay
    a zombie until the shim exits.
    """
    for child in list(_spawned):
        if child.poll() is not None:
            _spawned.remove(child)


def spawn_daemon(paths: Paths) -> subprocess.Popen[bytes]:
    """Start `mcpod daemon` detached from this process, its output to the daemon log."""
    import subprocess  # lazily: only a shim that finds no daemon pays for it

    from mcpod.protocol.paths import ensure_private_dir

    ensure_private_dir(paths.log_dir)
    log = open(paths.daemon_log, "ab")  # noqa: SIM115 - handed to the child, closed below
    try:
        child = subprocess.Popen(
            [sys.executable, "-m", "mcpod", "daemon", "--spawned"],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,  # outlive the client that started it; no terminal signals
            close_fds=True,
        )
    finally:
        log.close()
    _spawned.append(child)
    return child


def connect_or_spawn(paths: Paths, timeout: float = SPAWN_TIMEOUT_S) -> _socket.socket:
    """Connect, spawning the daemon if absent; `DaemonUnavailable` says why it failed."""
    from mcpod.protocol.errors import DaemonUnavailable

    try:
        return connect(paths)
    except OSError as exc:
        if exc.errno not in ABSENT_ERRNOS:
            raise DaemonUnavailable(f"cannot connect to {paths.socket}: {exc.strerror}") from exc
    child = spawn_daemon(paths)
    deadline = time.monotonic() + timeout
    delay = 0.005
    while True:
        try:
            return connect(paths)
        except OSError as exc:
            if exc.errno not in ABSENT_ERRNOS:
                raise DaemonUnavailable(
                    f"cannot connect to {paths.socket}: {exc.strerror}"
                ) from exc
        code = child.poll()
        # Exit 3 means another daemon holds the lock: it is starting, keep waiting for it.
        if code is not None and code != 3:
            raise DaemonUnavailable(
                f"the daemon exited with status {code} while starting: "
                f"{_log_tail(paths)} (full log: {paths.daemon_log})"
            )
        if time.monotonic() > deadline:
            raise DaemonUnavailable(
                f"no daemon answered on {paths.socket} within {timeout:.0f} s; "
                f"see {paths.daemon_log}"
            )
        time.sleep(delay)
        delay = min(delay * 2, 0.25)


def _log_tail(paths: Paths, lines: int = 3) -> str:
    try:
        text = paths.daemon_log.read_text(errors="replace").strip().splitlines()
    except OSError:
        return "(no daemon log)"
    return " | ".join(text[-lines:]) or "(empty daemon log)"
