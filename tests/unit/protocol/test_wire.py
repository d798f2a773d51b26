from __future__ import annotations

import json
from pathlib import Path

import msgspec

from mcpod.client import hello_message
from mcpod.protocol.wire import Envelope, HandshakeError, Hello, Welcome, handshake_decoder

GOLDEN = Path(__file__).parent / "golden" / "hello-v1.json"


def test_the_stdlib_hello_decodes_as_the_wire_type() -> None:
    hello = hello_message("session", cwd="/x", env={"PATH": "/bin"}, client_args={"mode": "all"})
    decoded = handshake_decoder.decode(json.dumps(hello))
    assert isinstance(decoded, Hello)
    assert (
        decoded.role == "session" and decoded.cwd == "/x" and decoded.client_args == {"mode": "all"}
    )


def test_old_wire_messages_keep_decoding() -> None:
    kinds = [type(handshake_decoder.decode(line)) for line in GOLDEN.read_text().splitlines()]
    assert kinds == [Hello, Hello, Welcome, HandshakeError]


def test_envelope_keeps_params_raw_and_omits_unset_fields() -> None:
    env = msgspec.json.decode(
        b'{"jsonrpc":"2.0","id":3,"method":"m","params":{"x":[1]}}', type=Envelope
    )
    assert bytes(env.params) == b'{"x":[1]}'  # type: ignore[arg-type]
    assert (
        msgspec.json.encode(Envelope(id=1, method="ping"))
        == b'{"jsonrpc":"2.0","id":1,"method":"ping"}'
    )
