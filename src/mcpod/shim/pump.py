"""The pump: client stdin -> daemon socket, daemon socket -> client stdout (stdlib only).

Lines are framed both ways, so that a daemon that goes away (killed, crashed, upgraded)
never leaves half a message on either side. Then the pump reconnects, starting a new
daemon if needed, with a bounded doubling backoff; replays the session (see `tracker`);
answers what was in flight with errors; and carries on. The client only sees those
errors.
"""

from __future__ import annotations

import _socket
import os
import select

from mcpod.protocol.framing import MAX_LINE_BYTES, LineSplitter, Oversized
from mcpod.shim.output import say, write_all
from mcpod.shim.tracker import ClientState

CHUNK = 1 << 16
RECONNECT_BUDGET_S = 60.0
RECONNECT_DELAYS = (0.05, 1.0)  # first and longest pause between attempts

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

STDIN = 0


class Pump:
    """Two file descriptors, `select`ed (not `selectors`: its import costs start-up)."""

    def __init__(
        self,
        sock: _socket.socket,
        welcome: dict[str, Any],
        hello: Callable[[str | None], dict[str, object]],
    ) -> None:
        self._sock = sock
        self._hello = hello
        self._state = ClientState()
        self._state.session_id = welcome.get("session_id")
        self._from_client = LineSplitter(MAX_LINE_BYTES)
        self._from_daemon = LineSplitter(1 << 62)  # the daemon bounds what it sends
        self._stdin_open = True

    def run(self, rest: bytes) -> int:
        """Until the client closes stdin and the daemon has answered what was in flight."""
        self._daemon_bytes(rest)
        while True:
            daemon = self._sock.fileno()  # the same until a reconnect, below
            ready, _, _ = select.select([STDIN, daemon] if self._stdin_open else [daemon], [], [])
            if STDIN in ready:
                self._read_client()
            if daemon not in ready:
                continue
            try:
                data = self._sock.recv(CHUNK)
            except OSError:
                data = b""
            if data:
                self._daemon_bytes(data)
            elif not self._stdin_open:
                return 0  # the daemon finished after the client's half-close
            elif not self._reconnect():
                return 1

    # -- client -> daemon ----------------------------------------------------------------

    def _read_client(self) -> None:
        data = os.read(STDIN, CHUNK)
        if not data:
            # Half-close: the daemon finishes what is in flight, then closes.
            self._stdin_open = False
            try:  # noqa: SIM105 - contextlib costs start-up
                self._sock.shutdown(_socket.SHUT_WR)
            except OSError:
                pass  # the daemon is gone already: the socket's end says so
            return
        lines = []
        for line in self._from_client.feed(data):
            if isinstance(line, Oversized):
                write_all(1, _too_large(line.size))
                continue
            self._state.from_client(line)
            lines.append(line)
        if lines and not self._send(b"\n".join(lines) + b"\n"):
            self._state.unsent(lines)

    def _send(self, data: bytes) -> bool:
        """To the daemon; False if it failed (the read side notices, and reconnects)."""
        if data:
            try:
                self._sock.sendall(data)
            except OSError:
                return False
        return True

    # -- daemon -> client ----------------------------------------------------------------

    def _daemon_bytes(self, data: bytes) -> None:
        out = []
        for line in self._from_daemon.feed(data):
            if isinstance(line, bytes) and self._state.from_daemon(line):
                out.append(line + b"\n")
        if out:
            write_all(1, b"".join(out))

    # -- reconnecting --------------------------------------------------------------------

    def _reconnect(self) -> bool:
        from mcpod.client.connect import reap_spawned

        say("the mcpod daemon went away (stopped, crashed or upgraded); reconnecting")
        self._sock.close()
        reap_spawned()
        self._from_daemon = LineSplitter(1 << 62)  # a half line from the old daemon is dropped
        errors = self._state.unanswerable()
        if errors:
            write_all(1, b"".join(errors))
        connected = self._connect_again()
        if connected is None:
            return False
        self._sock, rest = connected
        self._send(b"".join(self._state.replay()))
        self._daemon_bytes(rest)
        say("reconnected to the mcpod daemon")
        return True

    def _connect_again(self) -> tuple[_socket.socket, bytes] | None:
        import time

        from mcpod.client.connect import connect_or_spawn, handshake
        from mcpod.protocol.errors import McpodError
        from mcpod.protocol.paths import resolve_paths

        paths = resolve_paths()
        deadline = time.monotonic() + RECONNECT_BUDGET_S
        delay = RECONNECT_DELAYS[0]
        while True:
            try:
                sock = connect_or_spawn(paths)
                try:
                    welcome, rest = handshake(sock, self._hello(self._state.session_id))
                except BaseException:
                    sock.close()
                    raise
                self._state.session_id = welcome.get("session_id")
                return sock, rest
            except (McpodError, OSError) as exc:
                if time.monotonic() + delay > deadline:
                    say(f"cannot reconnect to the mcpod daemon: {getattr(exc, 'message', exc)}")
                    return None
            time.sleep(delay)
            delay = min(delay * 2, RECONNECT_DELAYS[1])


def _too_large(size: int) -> bytes:
    from mcpod.protocol.errors import ErrorCode

    message = (
        f"message of {size} bytes exceeds mcpod's limit of {MAX_LINE_BYTES} bytes and was dropped"
    )
    error = f'{{"code":{int(ErrorCode.MESSAGE_TOO_LARGE)},"message":"{message}"}}'
    return f'{{"jsonrpc":"2.0","id":null,"error":{error}}}\n'.encode()
