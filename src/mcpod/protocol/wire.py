"""msgspec wire types of the socket protocol (daemon side; the stdlib client writes the
same shapes as plain JSON, and a test holds both to each other).

Evolve only by adding fields with defaults; unknown fields are always ignored.
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec


class Hello(msgspec.Struct, tag="hello", tag_field="type"):
    protocol: int
    version: str
    role: Literal["session", "control"]
    capabilities: list[str] = []
    pid: int | None = None
    cwd: str | None = None
    env: dict[str, str] = {}
    client_args: dict[str, Any] = {}
    resume: str | None = None  # a session id from an earlier daemon, after a reconnect


class Welcome(msgspec.Struct, tag="welcome", tag_field="type"):
    protocol: int
    version: str
    pid: int
    capabilities: list[str] = []
    session_id: str | None = None


class HandshakeError(msgspec.Struct, tag="error", tag_field="type"):
    code: int
    message: str


HandshakeMessage = Hello | Welcome | HandshakeError

handshake_decoder = msgspec.json.Decoder(HandshakeMessage)
encoder = msgspec.json.Encoder()
