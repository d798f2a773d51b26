"""`mcpod-shim [--mode MODE] [--profile NAME]`: forward one client's MCP stdio to the daemon.

Start-up is on every client session's critical path, so this imports only the stdlib
and mcpod's stdlib-only protocol/client packages. stdout carries only MCP bytes; every
diagnostic goes to stderr.
"""

from __future__ import annotations

import json
import os
import selectors
import socket
import sys

from mcpod import __version__
from mcpod.client.connect import connect_or_spawn, handshake, hello_message
from mcpod.protocol import (
    ROLE_SESSION,
    SESSION_ENV_KEYS,
    ErrorCode,
    LineSplitter,
    McpodError,
    Oversized,
    resolve_paths,
)

USAGE = "usage: mcpod-shim [--mode lazy|all] [--profile NAME]"
CHUNK = 1 << 16


def main(argv: list[str] | None = None) -> int:
    try:
        client_args = parse_args(sys.argv[1:] if argv is None else argv)
    except ValueError as exc:
        _say(f"{exc}\n{USAGE}")
        return 2
    try:
        sock = connect_or_spawn(resolve_paths())
    except (McpodError, OSError) as exc:
        _say(f"cannot reach the mcpod daemon: {_reason(exc)}")
        return answer_with_errors(_reason(exc))
    try:
        welcome, rest = handshake(sock, _session_hello(client_args))
    except (McpodError, OSError) as exc:
        _say(f"the mcpod daemon refused this session: {_reason(exc)}")
        return answer_with_errors(_reason(exc))
    if welcome.get("version") != __version__:
        _say(
            f"note: daemon runs mcpod {welcome.get('version')}, this shim is {__version__}; "
            "run `mcpod stop` to restart it on the new version"
        )
    return pump(sock, rest)


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


def _session_hello(client_args: dict[str, str]) -> dict[str, object]:
    env = {k: os.environ[k] for k in SESSION_ENV_KEYS if k in os.environ}
    return hello_message(
        ROLE_SESSION, cwd=os.getcwd(), env=env, client_args=client_args, ppid=os.getppid()
    )


def pump(sock: socket.socket, rest: bytes) -> int:
    """Copy stdin -> socket and socket -> stdout until the daemon closes the connection."""
    if rest:
        _write_all(1, rest)
    selector = selectors.DefaultSelector()
    selector.register(0, selectors.EVENT_READ, "stdin")
    selector.register(sock, selectors.EVENT_READ, "socket")
    stdin_open = True
    while True:
        for key, _ in selector.select():
            if key.data == "stdin":
                data = os.read(0, CHUNK)
                if data:
                    sock.sendall(data)
                    continue
                # Half-close: the daemon finishes what is in flight, then closes.
                selector.unregister(0)
                stdin_open = False
                sock.shutdown(socket.SHUT_WR)
            else:
                data = sock.recv(CHUNK)
                if not data:
                    if stdin_open:
                        _say("the mcpod daemon closed this session (stopped or restarted)")
                        return 1
                    return 0
                _write_all(1, data)


def answer_with_errors(reason: str) -> int:
    """Answer each request with a JSON-RPC error until stdin closes, so the client shows why."""
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
            _write_all(1, json.dumps(reply).encode() + b"\n")
    return 1


_NOT_A_REQUEST = object()


def _request_id(line: bytes) -> object:
    try:
        message = json.loads(line)
    except ValueError:
        return None
    if not isinstance(message, dict) or "method" not in message or "id" not in message:
        return _NOT_A_REQUEST  # notifications get no answer
    return message["id"]


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _say(text: str) -> None:
    sys.stderr.write(f"mcpod-shim: {text}\n")
    sys.stderr.flush()


def _reason(exc: BaseException) -> str:
    return exc.message if isinstance(exc, McpodError) else str(exc)


if __name__ == "__main__":
    sys.exit(main())
