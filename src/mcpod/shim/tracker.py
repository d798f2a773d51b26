"""What the shim must remember to carry a session over to a new daemon (stdlib only).

From the client: its handshake (`initialize` and `notifications/initialized`), the
requests that change session state on the daemon (`logging/setLevel`,
`resources/subscribe` and `unsubscribe`), and every request in flight. From the daemon:
which requests it has answered. After a reconnect the handshake and the state changes
are replayed under private ids (their answers are swallowed); in-flight requests that
can be sent again as they are (`initialize`, 2026-07-28 `subscriptions/listen`) are
re-sent, and every other one is answered with an error the client can act on.
"""

from __future__ import annotations

from mcpod.protocol.json_lite import dumps, loads

REPLAY_PREFIX = "mcpod-shim:replay:"
RESENDABLE = ("initialize", "subscriptions/listen")
# Our daemon writes answers as {"jsonrpc":"2.0","id":...: the id is read off the front.
ANSWER_HEAD = b'{"jsonrpc":"2.0","id":'
REPLAY_HEAD = ANSWER_HEAD + b'"' + REPLAY_PREFIX.encode()

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class ClientState:
    def __init__(self) -> None:
        self.session_id: str | None = None
        self._handshake: list[bytes] = []  # initialize, then notifications/initialized
        self._state: dict[str, bytes] = {}  # e.g. "logging" or "subscribe <uri>" -> request
        self._inflight: dict[str, tuple[Any, str, bytes]] = {}  # key -> (id, method, line)
        self._replays = 0
        self._unsent: set[str] = set()  # in flight, but provably never reached a daemon

    # -- what passes through ------------------------------------------------------------

    def from_client(self, line: bytes) -> None:
        try:
            message = loads(line)
        except ValueError:
            return  # the daemon answers it with a parse error
        if not isinstance(message, dict):
            return
        method = message.get("method")
        if not isinstance(method, str):
            return
        if "id" in message:
            self._inflight[_key(message["id"])] = (message["id"], method, line)
        self._remember(method, message, line)

    def from_daemon(self, line: bytes) -> bool:
        """Note an answer; False for answers to the shim's own replays (not for the client)."""
        if line.startswith(REPLAY_HEAD):
            return False
        if line.startswith(ANSWER_HEAD):
            request_id = _leading_id(line[len(ANSWER_HEAD) :])
            if request_id is not _UNREADABLE:
                self._inflight.pop(_key(request_id), None)
        return True

    def _remember(self, method: str, message: dict[str, Any], line: bytes) -> None:
        raw_params = message.get("params")
        params: dict[str, Any] = raw_params if isinstance(raw_params, dict) else {}
        if method == "initialize":
            self._handshake = [line]
        elif method == "notifications/initialized" and len(self._handshake) == 1:
            self._handshake.append(line)
        elif method == "logging/setLevel":
            self._state["logging"] = line
        elif method == "resources/subscribe":
            self._state[f"subscribe {params.get('uri')}"] = line
        elif method == "resources/unsubscribe":
            self._state.pop(f"subscribe {params.get('uri')}", None)

    def unsent(self, lines: list[bytes]) -> None:
        """These lines failed to send: no daemon saw them, so they are safe to send again."""
        for line in lines:
            try:
                message = loads(line)
            except ValueError:
                continue
            if isinstance(message, dict) and "id" in message:
                self._unsent.add(_key(message["id"]))

    # -- after a reconnect -------------------------------------------------------------

    def unanswerable(self) -> list[bytes]:
        """Error answers for the in-flight requests that cannot simply be sent again."""
        from mcpod.protocol.errors import ErrorCode  # only after a daemon went away

        errors = []
        for key, (request_id, method, _sent) in list(self._inflight.items()):
            if method in RESENDABLE or key in self._unsent:
                continue
            del self._inflight[key]
            error = {
                "code": int(ErrorCode.DAEMON_UNAVAILABLE),
                "message": f"the mcpod daemon restarted while {method} was in flight; "
                "it was not completed: send it again",
            }
            errors.append(_encoded({"jsonrpc": "2.0", "id": request_id, "error": error}))
        return errors

    def replay(self) -> list[bytes]:
        """What to send a new daemon, in order, before anything else from the client."""
        lines = []
        handshake_pending = any(m == "initialize" for _i, m, _l in self._inflight.values())
        first = [] if handshake_pending else self._handshake[:1]  # else it is re-sent as is
        for line in [*first, *self._state.values()]:
            lines.append(self._privately(line))
        lines.extend(self._handshake[1:])
        lines.extend(line for _id, _method, line in self._inflight.values())
        self._unsent.clear()
        return [line + b"\n" for line in lines]

    def _privately(self, line: bytes) -> bytes:
        message = loads(line)
        self._replays += 1
        message["id"] = f"{REPLAY_PREFIX}{self._replays}"
        return dumps(message).encode()


_UNREADABLE = object()


def _leading_id(rest: bytes) -> object:
    """The JSON value at the start of `rest` (an id: a number, a string or null)."""
    if rest[:1] == b'"':
        end = 1
        while True:
            end = rest.find(b'"', end)
            if end < 0:
                return _UNREADABLE
            if (end - len(rest[:end].rstrip(b"\\"))) % 2 == 0:  # not an escaped quote
                break
            end += 1
        token = rest[: end + 1]
    else:
        comma = rest.find(b",")
        token = rest[:comma] if comma >= 0 else b""
    try:
        return loads(token)
    except ValueError:
        return _UNREADABLE


def _key(request_id: object) -> str:
    # ids 1 and "1" are different requests.
    return f"{type(request_id).__name__}:{request_id}"


def _encoded(message: dict[str, Any]) -> bytes:
    return dumps(message).encode() + b"\n"
