from __future__ import annotations

import json
import os
from pathlib import Path

import msgspec
import pytest

from mcpod.client import hello_message
from mcpod.protocol import MAX_LINE_BYTES, LineSplitter, Oversized, PathError, resolve_paths
from mcpod.protocol.wire import Envelope, HandshakeError, Hello, Welcome, handshake_decoder

GOLDEN = Path(__file__).parent / "golden" / "hello-v1.json"


def test_framing_splits_lines_across_chunks() -> None:
    splitter = LineSplitter()
    assert list(splitter.feed(b'{"a":1}\n{"b"')) == [b'{"a":1}']
    assert list(splitter.feed(b':2}\n\n  \n{"c":3}\n')) == [b'{"b":2}', b'{"c":3}']
    assert splitter.pending == 0


def test_framing_drops_an_oversized_line_and_recovers() -> None:
    splitter = LineSplitter(max_line=10)
    out = list(splitter.feed(b"0123456789ABC"))  # over the limit before its newline arrives
    out += list(splitter.feed(b"DEF\nok\n"))
    assert out == [Oversized(16), b"ok"]
    assert list(splitter.feed(b"x" * 11 + b"\nfine\n")) == [Oversized(11), b"fine"]


def test_default_limit_is_generous_but_bounded() -> None:
    assert 1 << 20 < MAX_LINE_BYTES <= 64 << 20


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


def test_mcpod_home_puts_everything_under_one_dir(tmp_path: Path) -> None:
    paths = resolve_paths({"MCPOD_HOME": str(tmp_path)})
    for p in (paths.config_file, paths.state_dir, paths.log_dir, paths.socket, paths.lock_file):
        assert tmp_path in p.parents
    assert paths.config_file == tmp_path / "config.json"


def test_xdg_locations_without_mcpod_home(tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    env = {"XDG_CONFIG_HOME": str(tmp_path / "c"), "XDG_STATE_HOME": str(tmp_path / "s"),
           "XDG_RUNTIME_DIR": str(run)}  # fmt: skip
    paths = resolve_paths(env)
    assert paths.config_file == tmp_path / "c" / "mcpod" / "config.json"
    assert paths.state_dir == tmp_path / "s" / "mcpod"
    assert paths.socket == run / "mcpod" / "mcpod.sock"


def test_runtime_dir_falls_back_to_a_per_user_temp_dir(tmp_path: Path) -> None:
    paths = resolve_paths({"XDG_RUNTIME_DIR": str(tmp_path / "missing")})
    assert paths.runtime_dir.name == f"mcpod-{os.getuid()}"


def test_mcpod_socket_overrides_only_the_socket(tmp_path: Path) -> None:
    paths = resolve_paths({"MCPOD_HOME": str(tmp_path), "MCPOD_SOCKET": "/tmp/x.sock"})
    assert str(paths.socket) == "/tmp/x.sock" and paths.config_file == tmp_path / "config.json"


def test_too_long_socket_path_is_a_clear_error() -> None:
    paths = resolve_paths({"MCPOD_SOCKET": "/tmp/" + "a" * 200 + ".sock"})
    with pytest.raises(PathError, match=r"over the OS limit.*MCPOD_SOCKET"):
        paths.check_socket_path()
