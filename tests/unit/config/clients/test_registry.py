from __future__ import annotations

from pathlib import Path

import pytest

from mcpod.cli.install import CLIENTS as CLI_CLIENTS
from mcpod.config.clients import CLIENT_NAMES, CLIENTS, Context, client

HOME = Path("/home/u")
CWD = Path("/home/u/src/app")
USER_FILES = {
    ("claude-desktop", "linux"): "/home/u/.config/Claude/claude_desktop_config.json",
    ("claude-desktop", "darwin"): (
        "/home/u/Library/Application Support/Claude/claude_desktop_config.json"
    ),
    ("cursor", "linux"): "/home/u/.cursor/mcp.json",
    ("cursor", "darwin"): "/home/u/.cursor/mcp.json",
    ("claude-code", "linux"): "/home/u/.claude.json",
    ("claude-code", "darwin"): "/home/u/.claude.json",
    ("vscode", "linux"): "/home/u/.config/Code/User/mcp.json",
    ("vscode", "darwin"): "/home/u/Library/Application Support/Code/User/mcp.json",
    ("windsurf", "linux"): "/home/u/.codeium/windsurf/mcp_config.json",
    ("windsurf", "darwin"): "/home/u/.codeium/windsurf/mcp_config.json",
    ("codex", "linux"): "/home/u/.codex/config.toml",
    ("codex", "darwin"): "/home/u/.codex/config.toml",
    ("gemini", "linux"): "/home/u/.gemini/settings.json",
    ("gemini", "darwin"): "/home/u/.gemini/settings.json",
}
PROJECT_FILES = {
    "cursor": ["/home/u/src/app/.cursor/mcp.json"],
    "claude-code": ["/home/u/src/app/.mcp.json"],
    "vscode": ["/home/u/src/app/.vscode/mcp.json"],
    "gemini": ["/home/u/src/app/.gemini/settings.json"],
}


def test_the_cli_lists_the_same_clients() -> None:
    assert CLI_CLIENTS == CLIENT_NAMES


@pytest.mark.parametrize(("name", "platform"), sorted(USER_FILES))
def test_user_files_per_platform(name: str, platform: str) -> None:
    ctx = Context(HOME, CWD, platform, {})
    assert str(CLIENTS[name].user_file(ctx)) == USER_FILES[name, platform]
    locations = CLIENTS[name].locations(ctx)
    assert [str(loc.path) for loc in locations if loc.level == "project"] == PROJECT_FILES.get(
        name, []
    )
    assert locations[0].level == "user" and locations[0].path == CLIENTS[name].user_file(ctx)


def test_claude_code_reads_this_projects_local_scope_from_the_user_file() -> None:
    local = [
        loc for loc in client("claude-code").locations(Context(HOME, CWD)) if loc.level == "local"
    ]
    assert [(loc.path, loc.key) for loc in local] == [
        (HOME / ".claude.json", ("projects", str(CWD), "mcpServers"))
    ]
    assert local[0].workspace == CWD


@pytest.mark.parametrize(
    ("name", "variable", "value", "expected"),
    [
        ("codex", "CODEX_HOME", "/etc/codex", "/etc/codex/config.toml"),
        ("claude-code", "CLAUDE_CONFIG_DIR", "/cfg/claude", "/cfg/claude/.claude.json"),
        ("gemini", "GEMINI_CLI_HOME", "/g", "/g/.gemini/settings.json"),
        ("vscode", "XDG_CONFIG_HOME", "/x", "/x/Code/User/mcp.json"),
        ("claude-desktop", "XDG_CONFIG_HOME", "/x", "/x/Claude/claude_desktop_config.json"),
        ("codex", "CODEX_HOME", "relative/ignored", "/home/u/.codex/config.toml"),
    ],
)
def test_environment_overrides(name: str, variable: str, value: str, expected: str) -> None:
    ctx = Context(HOME, CWD, "linux", {variable: value})
    assert str(CLIENTS[name].user_file(ctx)) == expected


def test_a_project_file_that_is_the_user_file_is_read_once() -> None:
    locations = client("gemini").locations(Context(HOME, HOME, "linux", {}))
    assert [loc.level for loc in locations] == ["user"]


def test_an_unknown_client_is_named_with_the_known_ones() -> None:
    with pytest.raises(ValueError, match="unknown client 'zed': one of claude-desktop"):
        client("zed")
