from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from mcpod.daemon.config import load_config, parse_servers
from mcpod.daemon.naming import namespaced
from mcpod.protocol import ConfigError

VALID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def test_short_clean_names_are_kept() -> None:
    assert namespaced("github", "create_issue") == "github__create_issue"


@pytest.mark.parametrize(
    ("server", "tool"),
    [("srv", "a.b/c d"), ("x" * 40, "y" * 40), ("docs", "ünïcode"), ("a", "b" * 200)],
)
def test_names_are_valid_and_deterministic(server: str, tool: str) -> None:
    name = namespaced(server, tool)
    assert VALID.match(name), name
    assert name == namespaced(server, tool)


def test_shortened_names_do_not_collide() -> None:
    long = "t" * 80
    assert namespaced("s", long + "1") != namespaced("s", long + "2")
    assert namespaced("s", "a.b") != namespaced("s", "a_b")


def test_claude_desktop_style_config_parses() -> None:
    servers = parse_servers(
        {
            "mcpServers": {
                "fs": {"command": "npx", "args": ["-y", "x"], "env": {"K": "v"}, "cwd": "~/p"},
                "remote": {
                    "url": "https://h/mcp",
                    "type": "streamable-http",
                    "headers": {"A": "b"},
                },
                "legacy": {"url": "https://h/sse", "type": "sse"},
                "off": {"command": "x", "disabled": True},
            },
            "someOtherClientKey": 1,
        },
        "cfg",
    )
    assert servers["fs"].transport == "stdio" and servers["fs"].args == ("-y", "x")
    assert not servers["fs"].cwd.startswith("~")  # type: ignore[union-attr]
    assert servers["remote"].transport == "http" and servers["remote"].headers == {"A": "b"}
    assert servers["legacy"].transport == "sse"
    assert servers["off"].disabled


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"args": []}, "needs 'command'"),
        ({"command": "x", "args": "a b"}, "args: must be a list"),
        ({"command": "x", "env": {"A": 1}}, "env: must be an object of string"),
        ({"url": "u", "type": "websocket"}, "type: 'websocket'"),
        ({"command": "x", "timeout": -1}, "timeout: must be a positive"),
    ],
)
def test_bad_server_entries_name_the_key(spec: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        parse_servers({"mcpServers": {"s": spec}}, "cfg")


def test_bad_names_and_json_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="server names"):
        parse_servers({"mcpServers": {"bad name!": {"command": "x"}}}, "cfg")
    path = tmp_path / "config.json"
    path.write_text('{"mcpServers": {')
    with pytest.raises(ConfigError, match="not valid JSON at line 1"):
        load_config(path)


def test_missing_config_is_created_with_a_working_default(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "config.json"
    config = load_config(path)
    assert config.created and "time" in config.servers
    assert json.loads(path.read_text())["mcpServers"]["time"]["args"] == ["-m", "mcp_server_time"]
    assert not load_config(path).created
