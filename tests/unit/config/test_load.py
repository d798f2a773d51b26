from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path

import pytest

from mcpod.config import load_config, parse_config, parse_servers
from mcpod.protocol import ConfigError


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
        ({"args": []}, "cfg: mcpServers.s: needs 'command'"),
        ({"command": "x", "args": "a b"}, "cfg: mcpServers.s.args: expected a list"),
        ({"command": "x", "args": ["a", 2]}, "cfg: mcpServers.s.args[1]: expected a string"),
        ({"command": "x", "env": {"A": 1}}, "cfg: mcpServers.s.env[...]: expected a string"),
        ({"url": "u", "type": "websocket"}, "cfg: mcpServers.s.type: 'websocket'"),
        ({"command": "x", "timeout": -1}, "cfg: mcpServers.s.timeout: expected a number > 0"),
        ({"command": "x", "startupTimeout": "5"}, "cfg: mcpServers.s.startupTimeout: expected a"),
        ({"command": "x", "disabled": "yes"}, "cfg: mcpServers.s.disabled: expected true or"),
        ({"command": ""}, "cfg: mcpServers.s.command: must be a non-empty string"),
    ],
)
def test_bad_server_entries_name_the_file_and_key(spec: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        parse_servers({"mcpServers": {"s": spec}}, "cfg")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ([], "cfg: the top level must be a JSON object"),
        ({"mcpServers": []}, "cfg: mcpServers: expected an object"),
        ({"mode": "eager"}, "cfg: mode: invalid enum value 'eager'"),
        ({"profiles": {"p": {"servers": ["nope"]}}}, "cfg: profiles.p.servers: no server named"),
        ({"clients": {"c": {"alwaysOn": "x"}}}, "cfg: clients.c.alwaysOn: expected a list"),
        ({"profiles": {"p": 3}}, "cfg: profiles.p: must be an object"),
    ],
)
def test_bad_top_level_keys_name_the_key(raw: object, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        parse_config(raw, Path("cfg"))


def test_bad_names_and_json_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="server names"):
        parse_servers({"mcpServers": {"bad name!": {"command": "x"}}}, "cfg")
    path = tmp_path / "config.json"
    path.write_text('{"mcpServers": {')
    with pytest.raises(ConfigError, match="not valid JSON at line 1"):
        load_config(path)


def test_missing_config_is_created_private_with_a_working_default(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "config.json"
    config = load_config(path)
    assert config.created and "time" in config.servers
    assert json.loads(path.read_text())["mcpServers"]["time"]["args"] == ["-m", "mcp_server_time"]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600  # it will hold env secrets
    assert not load_config(path).created


def test_a_snapshot_is_immutable_and_its_repr_shows_no_secret() -> None:
    servers = {
        "gh": {"command": "gh-mcp", "env": {"GITHUB_TOKEN": "s3cr3t"}},
        "api": {"url": "https://h/mcp", "headers": {"Authorization": "Bearer s3cr3t"}},
    }
    config = parse_config({"mcpServers": servers}, Path("cfg"))
    with pytest.raises(AttributeError):
        config.mode = "all"  # type: ignore[misc]
    assert "s3cr3t" not in repr(config) and "s3cr3t" not in repr(config.servers["api"])
