"""Property tests: whatever a peer sends, at any step, the daemon stays up and keeps
serving a healthy session. The daemon runs in-process (its own event loop in a thread,
through an anyio blocking portal); peers are plain blocking sockets."""

from __future__ import annotations

import json
import shutil
import socket
from collections.abc import Iterator
from functools import partial
from typing import Any

import anyio.from_thread
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mcpod.client import hello_message
from mcpod.daemon.app import Daemon, run
from mcpod.protocol import resolve_paths
from tests.conftest import short_tempdir

SESSION_METHODS = [
    "initialize", "ping", "server/discover", "subscriptions/listen", "tools/list",
    "tools/call", "prompts/list", "prompts/get", "resources/list", "resources/templates/list",
    "resources/read", "resources/subscribe", "resources/unsubscribe", "completion/complete",
    "logging/setLevel", "notifications/cancelled", "notifications/initialized",
    "notifications/roots/list_changed",
]  # fmt: skip
CONTROL_METHODS = ["status", "ping", "start", "tools", "search"]  # not shutdown: it would stop
FUZZ = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=50),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner,
                                                               max_size=5),
    max_leaves=25,
)  # fmt: skip


ids = (
    st.sampled_from([2**63, -(2**63) - 1, 2**64, 10**30, 2**63 - 1, -(2**63), True, 1.5, None])
    | st.integers(-(2**70), 2**70) | st.text(max_size=20) | json_values
)  # fmt: skip
params = st.fixed_dictionaries({}, optional={
    "name": json_values | st.sampled_from(["x__y", "mcpod_search", "mcpod_call"]),
    "arguments": json_values, "uri": json_values, "cursor": json_values,
    "level": json_values | st.just("info"), "requestId": ids,
    "ref": json_values, "_meta": json_values, "protocolVersion": json_values,
    "clientInfo": json_values, "notifications": json_values, "query": json_values,
    "limit": json_values, "server": json_values, "servers": json_values,
}) | json_values  # fmt: skip


def messages(methods: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """Anything shaped roughly like JSON-RPC: every field optional and of any type."""
    fields = {
        "jsonrpc": st.sampled_from(["2.0", "1.0"]) | json_values,
        "id": ids,
        "method": st.sampled_from(methods) | json_values,
        "params": params,
        "result": json_values,
        "error": json_values,
    }
    return st.fixed_dictionaries({}, optional=fields)


def requests(methods: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """Well-formed envelopes of real methods, with hostile ids and params."""
    envelope = {"jsonrpc": st.just("2.0"), "method": st.sampled_from(methods)}
    return st.fixed_dictionaries(envelope, optional={"id": ids, "params": params})


lines = st.one_of(
    requests(SESSION_METHODS).map(lambda m: json.dumps(m).encode()),
    messages(SESSION_METHODS).map(lambda m: json.dumps(m).encode()),
    st.binary(max_size=200).map(lambda b: b.replace(b"\n", b" ")),
    st.sampled_from([10, 200, 1_000, 5_000, 100_000]).map(
        lambda depth: (
            b'{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":'
            + b"[" * depth
            + b"]" * depth
            + b"}}"
        )
    ),
)


class LiveDaemon:
    def __init__(self, portal: anyio.from_thread.BlockingPortal, daemon: Daemon) -> None:
        self.portal = portal
        self.daemon = daemon
        self.socket = str(daemon.paths.socket)
        self.healthy = self.connect("session")

    def connect(self, role: str, **fields: Any) -> socket.socket:
        sock = socket.socket(socket.AF_UNIX)
        sock.settimeout(10)
        sock.connect(self.socket)
        sock.sendall(json.dumps(hello_message(role, **fields)).encode() + b"\n")
        assert json.loads(_readline(sock))["type"] == "welcome"
        return sock

    def assert_healthy(self) -> None:
        self.healthy.sendall(b'{"jsonrpc":"2.0","id":"health","method":"ping"}\n')
        while True:
            answer = json.loads(_readline(self.healthy))
            if answer.get("id") == "health":
                assert answer["result"] == {}
                return


@pytest.fixture(scope="module")
def live() -> Iterator[LiveDaemon]:
    home = short_tempdir()
    (home / "config.json").write_text('{"mcpServers": {}}')
    paths = resolve_paths({"MCPOD_HOME": str(home)})
    with anyio.from_thread.start_blocking_portal() as portal:
        future, daemon = portal.start_task(partial(run, paths, handle_signals=False))
        yield LiveDaemon(portal, daemon)
        portal.call(daemon.request_shutdown, "fuzzing over")
        assert future.result(timeout=30) == 0
    shutil.rmtree(home, ignore_errors=True)


@FUZZ
@given(line=lines, mode=st.sampled_from(["all", "lazy"]))
def test_any_session_message_is_answered_or_ignored_and_harms_nobody(
    live: LiveDaemon, line: bytes, mode: str
) -> None:
    peer = live.connect("session", client_args={"mode": mode})
    try:
        peer.sendall(line + b"\n")
        peer.sendall(b'{"jsonrpc":"2.0","id":"after","method":"ping"}\n')
        while json.loads(_readline(peer)).get("id") != "after":
            pass  # its own session survives the message too
    finally:
        peer.close()
    live.assert_healthy()


@FUZZ
@given(message=requests(CONTROL_METHODS) | messages(CONTROL_METHODS))
def test_any_control_message_gets_an_answer(live: LiveDaemon, message: dict[str, Any]) -> None:
    if message.get("method") == "start":
        message["params"] = {"servers": []}  # nothing to start: keep the examples fast
    peer = live.connect("control")
    try:
        peer.sendall(json.dumps(message).encode() + b"\n")
        answer = json.loads(_readline(peer))
        assert "result" in answer or "error" in answer
    finally:
        peer.close()
    live.assert_healthy()


HELLOS = st.fixed_dictionaries({}, optional={
    "type": st.just("hello") | json_values, "protocol": st.just(1) | json_values,
    "version": json_values, "role": st.sampled_from(["session", "control"]) | json_values,
    "capabilities": json_values, "cwd": json_values, "env": json_values,
    "client_args": json_values, "resume": json_values, "pid": json_values,
})  # fmt: skip


@FUZZ
@given(hello=HELLOS, cut=st.integers(0, 400))
def test_a_hello_of_any_shape_cut_at_any_byte_harms_nobody(
    live: LiveDaemon, hello: dict[str, Any], cut: int
) -> None:
    data = json.dumps(hello).encode() + b"\n"
    sock = socket.socket(socket.AF_UNIX)
    sock.settimeout(10)
    sock.connect(live.socket)
    try:
        sock.sendall(data[:cut])
    finally:
        sock.close()  # gone mid-handshake (or right after it)
    live.assert_healthy()


def _readline(sock: socket.socket) -> bytes:
    chunks = []
    while True:
        byte = sock.recv(1)
        if not byte:
            raise EOFError("the daemon closed the connection")
        if byte == b"\n":
            return b"".join(chunks)
        chunks.append(byte)
