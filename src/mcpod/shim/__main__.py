"""`mcpod-shim [--mode MODE] [--profile NAME]`: forward one client's MCP stdio to the daemon.

Start-up is on every client session's critical path, so the way to a warm daemon imports
only `os`, `sys`, `_socket`, `_json`, `select` and mcpod's lean protocol modules: no
`json`, `re`, `socket`, `enum`, `pathlib` or `typing` (together ~40 ms here, against a
20 ms budget). Starting a daemon, version skew and errors import what they need when
they happen. stdout carries only MCP bytes; every diagnostic goes to stderr.
"""

from __future__ import annotations

import os
import sys

from mcpod import __version__
from mcpod.client.connect import connect_to, handshake, hello_message
from mcpod.protocol import ROLE_SESSION, SESSION_ENV_KEYS
from mcpod.protocol.socketpath import socket_location
from mcpod.shim.output import say

TYPE_CHECKING = False  # not `from typing`: start-up cannot afford it
if TYPE_CHECKING:
    import _socket
    from collections.abc import Callable
    from typing import Any

    from mcpod.protocol import Paths

    Hello = Callable[[str | None], dict[str, object]]

USAGE = "usage: mcpod-shim [--mode lazy|all] [--profile NAME]"
CHUNK = 1 << 16


def main(argv: list[str] | None = None) -> int:
    try:
        client_args = parse_args(sys.argv[1:] if argv is None else argv)
    except ValueError as exc:
        say(f"{exc}\n{USAGE}")
        return 2

    def hello(resume: str | None) -> dict[str, object]:
        return _session_hello(client_args, resume)

    try:
        sock = _connect()
    except Exception as exc:
        if not _expected(exc):
            raise
        say(f"cannot reach the mcpod daemon: {_reason(exc)}")
        return answer_with_errors(_reason(exc))
    try:
        welcome, rest = handshake(sock, hello(None))
        if welcome.get("version") != __version__:
            sock, welcome, rest = on_version_skew(_paths(), sock, welcome, rest, hello)
    except Exception as exc:
        if not _expected(exc):
            raise
        say(f"the mcpod daemon refused this session: {_reason(exc)}")
        return answer_with_errors(_reason(exc))
    from mcpod.shim.pump import Pump

    return Pump(sock, welcome, hello).run(rest)


def _connect() -> _socket.socket:
    """A warm daemon's socket; when none answers, the slow way: start one and wait."""
    try:
        return connect_to(socket_location())
    except OSError:
        from mcpod.client.connect import connect_or_spawn

        return connect_or_spawn(_paths())  # tries again, and says why it cannot


def _paths() -> Paths:
    from mcpod.protocol.paths import resolve_paths

    return resolve_paths()


def parse_args(argv: list[str]) -> dict[str, str]:
    args: dict[str, str] = {}
    it = iter(argv)
    for arg in it:
        key, eq, value = arg.partition("=")
        if key not in ("--mode", "--profile"):
            raise ValueError(f"mcpod-shim: unknown argument {arg!r}")
        if not eq:
            value = next(it, "")
        if not value:
            raise ValueError(f"mcpod-shim: {key} needs a value")
        args[key[2:]] = value
    return args


def _session_hello(client_args: dict[str, str], resume: str | None) -> dict[str, object]:
    env = {k: os.environ[k] for k in SESSION_ENV_KEYS if k in os.environ}
    fields: dict[str, object] = {"cwd": os.getcwd(), "env": env, "client_args": client_args}
    if resume:
        fields["resume"] = resume
    return hello_message(ROLE_SESSION, ppid=os.getppid(), **fields)


def on_version_skew(
    paths: Paths,
    sock: _socket.socket,
    welcome: dict[str, Any],
    rest: bytes,
    hello: Hello,
) -> tuple[_socket.socket, dict[str, Any], bytes]:
    """An idle daemon of another version is restarted on this one; a busy one keeps serving."""
    from mcpod.client.connect import connect_or_spawn
    from mcpod.shim.upgrade import restart_if_idle

    theirs = welcome.get("version")
    if restart_if_idle(paths, sock):
        say(f"restarted the idle mcpod daemon ({theirs}) on this version ({__version__})")
    else:
        say(
            f"note: the daemon runs mcpod {theirs} and serves other sessions, this shim is "
            f"{__version__}; run `mcpod stop` when convenient to restart it on the new version"
        )
        return sock, welcome, rest
    sock = connect_or_spawn(paths)
    welcome, rest = handshake(sock, hello(None))
    return sock, welcome, rest


def answer_with_errors(reason: str) -> int:
    """Answer each request with a JSON-RPC error until stdin closes, so the client shows why."""
    from mcpod.protocol.errors import ErrorCode
    from mcpod.protocol.framing import LineSplitter, Oversized
    from mcpod.protocol.json_lite import dumps
    from mcpod.shim.output import write_all

    message = (
        f"mcpod-shim cannot reach the mcpod daemon: {reason}. "
        "Run `mcpod daemon` in a terminal to see the problem, or `mcpod status`."
    )
    splitter = LineSplitter()
    while data := os.read(0, CHUNK):
        for line in splitter.feed(data):
            request_id = None if isinstance(line, Oversized) else _request_id(line)
            if request_id is _NOT_A_REQUEST:
                continue
            error = {"code": int(ErrorCode.DAEMON_UNAVAILABLE), "message": message}
            reply = {"jsonrpc": "2.0", "id": request_id, "error": error}
            write_all(1, dumps(reply).encode() + b"\n")
    return 1


_NOT_A_REQUEST = object()


def _request_id(line: bytes) -> object:
    from mcpod.protocol.json_lite import loads

    try:
        message = loads(line)
    except ValueError:
        return None
    if not isinstance(message, dict) or "method" not in message or "id" not in message:
        return _NOT_A_REQUEST  # notifications get no answer
    return message["id"]


def _expected(exc: BaseException) -> bool:
    """The failures the shim reports to its client (anything else is a bug: a traceback)."""
    from mcpod.protocol.errors import McpodError

    return isinstance(exc, (McpodError, OSError))


def _reason(exc: BaseException) -> str:
    from mcpod.protocol.errors import McpodError

    return exc.message if isinstance(exc, McpodError) else str(exc)


if __name__ == "__main__":
    sys.exit(main())
