from __future__ import annotations

import json
from pathlib import Path

from mcpod.client import hello_message
from mcpod.protocol.wire import HandshakeError, Hello, Welcome, handshake_decoder

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
