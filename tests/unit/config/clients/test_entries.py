from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mcpod.config.clients import Entry, Location, is_mcpod, normalise, shim_entry
from mcpod.config.clients.values import Scope

HOME = Path("/home/u")
PROJECT = Path("/home/u/app")


def entry(client: str, raw: Any, *, project: bool = False, name: str = "s") -> Entry:
    fmt = "toml" if client == "codex" else "json"
    level = "project" if project else "user"
    where = Location(client, Path("/f"), level, ("k",), fmt, PROJECT if project else None)
    scope = Scope(HOME, where.workspace, dollar_env=client == "gemini")
    return normalise(where, name, raw, scope)


@pytest.mark.parametrize(
    ("client", "raw", "expected"),
    [
        (
            "claude-desktop",
            {"command": "npx", "args": ["-y", "x"], "env": {"PORT": 8080, "ON": True}},
            {"command": "npx", "args": ["-y", "x"], "env": {"PORT": "8080", "ON": "true"}},
        ),
        (
            "cursor",
            {"url": "https://h/mcp", "headers": {"X": "${env:X_VALUE}"}},
            {"url": "https://h/mcp", "type": "http", "headers": {"X": "${env:X_VALUE}"}},
        ),
        ("cursor", {"url": "https://h/sse"}, {"url": "https://h/sse", "type": "sse"}),
        (
            "claude-code",
            {"type": "stdio", "command": "${TOOLS}/bin/x", "env": {}},
            {"command": "${env:TOOLS}/bin/x", "env": {}},
        ),
        (
            "claude-code",
            {"type": "sse", "url": "https://h/events"},
            {"url": "https://h/events", "type": "sse"},
        ),
        (
            "vscode",
            {"type": "stdio", "command": "${userHome}/bin/x", "args": ["${pathSeparator}"]},
            {"command": "/home/u/bin/x", "args": ["/"]},
        ),
        ("windsurf", {"serverUrl": "https://h/mcp"}, {"url": "https://h/mcp", "type": "http"}),
        (
            "windsurf",
            {"command": "x", "disabled": True},
            {"command": "x", "disabled": True},
        ),
        (
            "gemini",
            {"httpUrl": "https://h/mcp", "timeout": 30000, "description": "d"},
            {"url": "https://h/mcp", "type": "http", "timeout": 30.0, "description": "d"},
        ),
        ("gemini", {"url": "http://h/events"}, {"url": "http://h/events", "type": "sse"}),
        (
            "gemini",
            {"command": "x", "env": {"A": "$TOKEN", "B": "${OTHER}", "C": "plain"}},
            {"command": "x", "env": {"A": "${env:TOKEN}", "B": "${env:OTHER}", "C": "plain"}},
        ),
        (
            "codex",
            {"command": "x", "args": ["a"], "env": {"K": "v"}, "env_vars": ["PATH2"]},
            {"command": "x", "args": ["a"], "env": {"K": "v", "PATH2": "${env:PATH2}"}},
        ),
        (
            "codex",
            {
                "url": "https://h/mcp",
                "bearer_token_env_var": "TOK",
                "http_headers": {"X-Team": "core"},
                "env_http_headers": {"X-Key": "KEY_VAR"},
                "enabled": False,
                "startup_timeout_ms": 5000,
                "tool_timeout_sec": 90,
            },
            {
                "url": "https://h/mcp",
                "type": "http",
                "headers": {
                    "X-Team": "core",
                    "X-Key": "${env:KEY_VAR}",
                    "Authorization": "Bearer ${env:TOK}",
                },
                "disabled": True,
                "startupTimeout": 5.0,
                "timeout": 90,
            },
        ),
    ],
)
def test_each_clients_fields_map_onto_mcpods(client: str, raw: Any, expected: Any) -> None:
    result = entry(client, raw)
    assert result.reason == ""
    assert result.entry == expected
    assert result.config is not None and result.config.name == "s"


@pytest.mark.parametrize(
    ("client", "raw", "words"),
    [
        ("vscode", {"type": "http", "url": "https://h", "headers": {"A": "${input:tok}"}}, "input"),
        ("vscode", {"command": "x", "args": ["${workspaceFolder}"]}, "folder open in the client"),
        ("vscode", {"command": "x", "envFile": "${workspaceFolder}/.env"}, "envFile"),
        ("cursor", {"command": "x", "url": "https://h"}, "both 'command' and 'url'"),
        ("cursor", {"args": ["x"]}, "neither 'command'"),
        ("cursor", {"type": "websocket", "url": "ws://h"}, "not one of stdio, http, sse"),
        ("claude-code", {"url": "${BASE:-https://h}/mcp", "type": "http"}, "default value"),
        (
            "claude-code",
            {"type": "http", "url": "https://h", "headersHelper": "x"},
            "headersHelper",
        ),
        ("claude-code", {"command": 42}, "command: expected a string"),
        ("claude-code", {"command": "x", "env": {"A": None}}, "null"),
        ("gemini", {"command": "x", "timeout": -1}, "positive number of milliseconds"),
        ("gemini", {"tcp": "ws://h"}, "WebSocket"),
        ("codex", {"enabled": True}, "invalid transport"),
        ("codex", {"command": "x", "env_vars": [1]}, "env_vars"),
        ("windsurf", {"command": "x", "args": ["${file:/etc/k}"]}, "cannot resolve"),
        ("windsurf", "npx server", "is not an object"),
    ],
)
def test_an_entry_mcpod_cannot_run_says_why(client: str, raw: Any, words: str) -> None:
    result = entry(client, raw)
    assert result.entry is None and not result.is_mcpod
    assert words in result.reason


def test_a_reason_never_shows_a_value() -> None:
    result = entry(
        "claude-code", {"type": "http", "url": "https://h", "headers": {"A": "${T:-s3cr3t}"}}
    )
    assert result.entry is None and "s3cr3t" not in result.reason


def test_keys_without_a_counterpart_are_named_in_the_notes() -> None:
    result = entry("gemini", {"command": "x", "trust": True, "includeTools": ["a"]})
    assert result.notes == ("not carried over: includeTools, trust",)
    result = entry("codex", {"url": "https://h", "enabled_tools": ["a"], "scopes": ["s"]})
    assert result.notes == ("not carried over: enabled_tools, scopes",)


def test_a_projects_server_runs_in_the_project_folder() -> None:
    result = entry(
        "vscode", {"command": "./bin/x", "args": ["${workspaceFolder}/data"]}, project=True
    )
    assert result.entry == {
        "command": "./bin/x",
        "args": ["/home/u/app/data"],
        "cwd": "/home/u/app",
    }
    result = entry("gemini", {"command": "x", "cwd": "./srv"}, project=True)
    assert result.entry is not None and result.entry["cwd"] == "/home/u/app/srv"
    result = entry("cursor", {"command": "x", "cwd": "/abs"}, project=True)
    assert result.entry is not None and result.entry["cwd"] == "/abs"


def test_invalid_names_become_valid_mcpod_names() -> None:
    result = entry("cursor", {"command": "x"}, name="My Server!")
    assert result.target == "My-Server" and result.name == "My Server!"
    assert result.notes == ("named 'My-Server' in mcpod (not a valid mcpod name)",)
    assert entry("cursor", {"command": "x"}, name="!!!").reason.startswith("has no usable name")


@pytest.mark.parametrize(
    ("raw", "mcpod"),
    [
        ({"command": "/home/u/.venv/bin/mcpod-shim", "args": []}, True),
        ({"command": "mcpod-shim"}, True),
        ({"command": "mcpod", "args": ["shim", "--profile", "x"]}, True),
        ({"command": "python3", "args": ["-m", "mcpod.shim"]}, True),
        ({"command": "python3", "args": ["-m", "mcpod", "shim"]}, True),
        ({"command": "mcpod", "args": ["daemon"]}, False),
        ({"command": "npx", "args": ["mcpod-shim-lookalike"]}, False),
        ({"url": "https://h/mcpod-shim"}, False),
    ],
)
def test_mcpods_own_entry_is_recognised(raw: dict[str, Any], mcpod: bool) -> None:
    assert is_mcpod(raw) is mcpod
    if mcpod:
        assert entry("cursor", raw).is_mcpod


def test_the_shim_entry_in_each_clients_format() -> None:
    assert shim_entry("cursor", "/b/mcpod-shim", {}) == {"command": "/b/mcpod-shim", "args": []}
    assert shim_entry("vscode", "/b/mcpod-shim", {"MCPOD_HOME": "/m"}) == {
        "type": "stdio",
        "command": "/b/mcpod-shim",
        "args": [],
        "env": {"MCPOD_HOME": "/m"},
    }
    assert is_mcpod(shim_entry("codex", "/b/mcpod-shim", {}))
