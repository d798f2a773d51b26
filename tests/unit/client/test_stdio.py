"""The one blocking stdio JSON-RPC client, against a small real child process."""

from __future__ import annotations

import sys
import time

import pytest

from mcpod.client.stdio import PeerExited, StdioClient
from mcpod.protocol import RpcError

# Answers `echo` with its params (after a progress notification), `fail` with an error,
# `hang` never, and `quit` by exiting.
PEER = r"""
import json, sys
for line in sys.stdin:
    msg = json.loads(line)
    method, rid = msg.get("method"), msg.get("id")
    if rid is None or method == "hang":
        continue
    if method == "quit":
        sys.exit(0)
    if method == "fail":
        out = {"jsonrpc": "2.0", "id": rid, "error": {"code": -32602, "message": "bad"}}
    else:
        note = {"jsonrpc": "2.0", "method": "notifications/progress", "params": {"id": rid}}
        print(json.dumps(note), flush=True)
        out = {"jsonrpc": "2.0", "id": rid, "result": msg.get("params", {})}
    print(json.dumps(out), flush=True)
"""


@pytest.fixture
def peer() -> StdioClient:
    return StdioClient([sys.executable, "-c", PEER], timeout=10)


def test_request_waits_for_its_own_answer(peer: StdioClient) -> None:
    with peer:
        assert peer.request("echo", {"x": 1}) == {"x": 1}
        first, second = peer.send_request("echo", {"n": 1}), peer.send_request("echo", {"n": 2})
        assert (peer.wait(second), peer.wait(first, timeout=0.5)) == ({"n": 2}, {"n": 1})


def test_next_sees_notifications_in_order(peer: StdioClient) -> None:
    with peer:
        peer.send_request("echo", {}, request_id="a")
        assert peer.next()["method"] == "notifications/progress"
        assert peer.next()["id"] == "a"


def test_an_error_answer_raises_with_its_code(peer: StdioClient) -> None:
    with peer, pytest.raises(RpcError, match="bad") as caught:
        peer.request("fail")
    assert caught.value.code == -32602


def test_a_hung_peer_times_out_instead_of_hanging(peer: StdioClient) -> None:
    with peer:
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            peer.request("hang", timeout=0.3)
        assert time.monotonic() - started < 5


def test_a_peer_that_exits_is_reported(peer: StdioClient) -> None:
    with peer, pytest.raises(PeerExited):
        peer.request("quit")
    assert peer.close() == 0
