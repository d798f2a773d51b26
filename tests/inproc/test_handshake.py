"""The hello/welcome exchange, in-process: what a peer gets for every kind of first line."""

from __future__ import annotations

import os

import pytest

from mcpod.protocol import PROTOCOL_VERSION, ErrorCode
from tests.inproc.harness import Peer, running_daemon

pytestmark = pytest.mark.anyio


async def test_a_session_is_welcomed_with_its_id_and_the_daemon_pid() -> None:
    async with running_daemon() as daemon, Peer.open(daemon) as peer:
        welcome = await peer.hello(cwd="/tmp")
        assert welcome["type"] == "welcome" and welcome["protocol"] == PROTOCOL_VERSION
        assert welcome["pid"] == os.getpid() and len(welcome["session_id"]) == 12


@pytest.mark.parametrize(
    ("first_line", "code", "reason"),
    [
        (b"this is not json", ErrorCode.HANDSHAKE_FAILED, "unreadable hello"),
        (b'{"type":"welcome","protocol":1,"version":"x","pid":1}', ErrorCode.HANDSHAKE_FAILED,
         "must be a hello"),
        (b'{"type":"hello","protocol":"one","version":"x","role":"session"}',
         ErrorCode.HANDSHAKE_FAILED, "unreadable hello"),
        (b'{"type":"hello","protocol":1,"version":"x","role":"admin"}',
         ErrorCode.HANDSHAKE_FAILED, "unreadable hello"),
        (b'{"type":"hello","protocol":99,"version":"9.9","role":"session"}',
         ErrorCode.PROTOCOL_MISMATCH, "run `mcpod stop`"),
    ],
)  # fmt: skip
async def test_a_bad_hello_is_refused_with_the_reason(
    first_line: bytes, code: ErrorCode, reason: str
) -> None:
    async with running_daemon() as daemon:
        async with Peer.open(daemon) as peer:
            await peer.send_line(first_line)
            refusal = await peer.receive()
            assert refusal["type"] == "error" and refusal["code"] == code
            assert reason in refusal["message"]
            assert await peer.closed()
        async with Peer.open(daemon) as healthy:  # and the daemon serves the next peer
            assert (await healthy.hello())["type"] == "welcome"


async def test_a_peer_that_leaves_during_the_handshake_harms_no_one() -> None:
    async with running_daemon() as daemon:
        async with Peer.open(daemon) as quitter:
            await quitter.stream.send(b'{"type":"hel')  # half a hello, then gone
        async with Peer.open(daemon) as healthy:
            assert (await healthy.hello())["type"] == "welcome"
            ping = await healthy.request("ping")
            assert ping["result"] == {}


async def test_a_peer_that_never_says_hello_is_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    from mcpod.daemon.server import handshake

    monkeypatch.setattr(handshake, "HELLO_TIMEOUT_S", 0.2)
    async with running_daemon() as daemon, Peer.open(daemon) as silent:
        refusal = await silent.receive()
        assert refusal["code"] == ErrorCode.HANDSHAKE_FAILED and "no hello" in refusal["message"]
        assert await silent.closed()
