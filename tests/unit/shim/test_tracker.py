from __future__ import annotations

import json

from mcpod.shim.tracker import REPLAY_PREFIX, ClientState


def line(message: dict[str, object]) -> bytes:
    return json.dumps(message).encode()


def answer(request_id: object) -> bytes:
    # The daemon's own (orjson) encoding: the id comes right after jsonrpc.
    return b'{"jsonrpc":"2.0","id":' + json.dumps(request_id).encode() + b',"result":{}}'


INIT = {"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {"protocolVersion": "x"}}
INITIALIZED = {"jsonrpc": "2.0", "method": "notifications/initialized"}


def test_answered_requests_are_forgotten_and_the_rest_get_errors() -> None:
    state = ClientState()
    for request_id in (1, "1", 'we"ird', 2):
        state.from_client(line({"id": request_id, "method": "tools/call", "params": {}}))
    for request_id in ("1", 'we"ird'):
        assert state.from_daemon(answer(request_id))
    errors = [json.loads(e) for e in state.unanswerable()]
    assert sorted(str(e["id"]) for e in errors) == ["1", "2"]  # the int ids 1 and 2
    assert all(e["error"]["code"] == -32099 and "send it again" in e["error"]["message"]
               for e in errors)  # fmt: skip
    assert state.unanswerable() == []


def test_the_handshake_and_state_are_replayed_privately_in_order() -> None:
    state = ClientState()
    state.from_client(line(INIT))
    state.from_daemon(answer(0))
    state.from_client(line(INITIALIZED))
    state.from_client(line({"id": 5, "method": "logging/setLevel", "params": {"level": "info"}}))
    state.from_client(line({"id": 6, "method": "resources/subscribe", "params": {"uri": "a://1"}}))
    state.from_client(line({"id": 7, "method": "resources/subscribe", "params": {"uri": "a://2"}}))
    state.from_client(
        line({"id": 8, "method": "resources/unsubscribe", "params": {"uri": "a://2"}})
    )
    for request_id in (5, 6, 7, 8):
        state.from_daemon(answer(request_id))
    replay = [json.loads(r) for r in state.replay()]
    assert [m.get("method") for m in replay] == [
        "initialize", "logging/setLevel", "resources/subscribe", "notifications/initialized",
    ]  # fmt: skip
    private = [m["id"] for m in replay if "id" in m]
    assert all(str(i).startswith(REPLAY_PREFIX) for i in private) and len(set(private)) == 3
    assert replay[2]["params"]["uri"] == "a://1"
    assert not state.from_daemon(answer(private[0]))  # swallowed: the client never asked


def test_an_in_flight_handshake_or_listen_is_sent_again_as_it_was() -> None:
    state = ClientState()
    state.from_client(line(INIT))  # not answered yet
    listen = {"id": "L", "method": "subscriptions/listen", "params": {"notifications": {}}}
    state.from_client(line(listen))
    assert state.unanswerable() == []
    resent = [json.loads(r) for r in state.replay()]
    assert resent == [INIT, listen]  # the original ids: their answers go to the client
