"""`mcpod import`, `install` and `uninstall` as a user runs them: the real CLI in a
temporary HOME (no daemon needed)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import DaemonHome

pytestmark = pytest.mark.e2e

TOKEN = "ghp_E2E_SECRET_VALUE_42"
CURSOR = {
    "mcpServers": {
        "github": {
            "command": "npx",
            "args": ["-y", "@modelcontextprotocol/server-github"],
            "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": TOKEN},
        },
        "docs": {"url": "https://docs.example.com/mcp"},
    },
    "unrelated": {"keep": True},
}
VSCODE = """{
  // my servers
  "servers": {
    "memory": {"type": "stdio", "command": "npx", "args": ["-y", "@mcp/memory"],},
  },
}
"""


class Cli:
    def __init__(self, mcpod_home: DaemonHome, home: Path) -> None:
        self.env = {**mcpod_home.env, "HOME": str(home)}
        self.env.pop("XDG_CONFIG_HOME", None)
        self.cwd = home / "project"
        self.cwd.mkdir(parents=True)

    def __call__(self, *args: str, code: int = 0) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-m", "mcpod", *args],
            env=self.env, cwd=self.cwd, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert done.returncode == code, (done.stdout, done.stderr)
        assert TOKEN not in done.stdout + done.stderr  # never printed, whatever the command
        return done


@pytest.fixture
def cli(mcpod_home: DaemonHome, tmp_path: Path) -> Cli:
    home = tmp_path / "home"
    (home / ".cursor").mkdir(parents=True)
    (home / ".cursor" / "mcp.json").write_text(json.dumps(CURSOR, indent=2))
    (home / ".config" / "Code" / "User").mkdir(parents=True)
    (home / ".config" / "Code" / "User" / "mcp.json").write_text(VSCODE)
    return Cli(mcpod_home, home)


def test_import_install_uninstall(cli: Cli, mcpod_home: DaemonHome) -> None:
    config, secrets = mcpod_home.home / "config.json", mcpod_home.home / "secrets.json"
    cursor = Path(cli.env["HOME"]) / ".cursor" / "mcp.json"
    original = cursor.read_bytes()

    planned = json.loads(cli("import", "--dry-run", "--json").stdout)
    assert planned["dry_run"] and planned["added"] == [] and not config.exists()
    assert {s["name"]: s["action"] for s in planned["servers"]} == {
        "github": "add",
        "docs": "add",
        "memory": "add",
    }
    github = next(s for s in planned["servers"] if s["name"] == "github")
    assert github["secrets"] == ["GITHUB_GITHUB_PERSONAL_ACCESS_TOKEN"]

    out = cli("import", "--from", "cursor").stdout
    assert "Added 2 servers (github, docs)" in out
    servers = json.loads(config.read_text())["mcpServers"]
    assert servers["github"]["env"]["GITHUB_PERSONAL_ACCESS_TOKEN"] == (
        "${secret:GITHUB_GITHUB_PERSONAL_ACCESS_TOKEN}"
    )
    assert TOKEN in secrets.read_text() and TOKEN not in config.read_text()
    assert "= github" in cli("import", "--from", "cursor").stdout  # now a duplicate

    dry = cli("install", "cursor", "--dry-run").stdout
    assert dry.startswith(f"--- {cursor}") and '+    "mcpod": {' in dry
    assert cursor.read_bytes() == original

    installed = json.loads(cli("install", "cursor", "--json").stdout)
    assert installed["action"] == "installed" and installed["shim"].endswith("mcpod-shim")
    assert Path(installed["backup"]).read_bytes() == original
    written = json.loads(cursor.read_text())
    assert list(written["mcpServers"]) == ["mcpod"] and written["unrelated"] == {"keep": True}
    assert written["mcpServers"]["mcpod"]["env"] == {"MCPOD_HOME": str(mcpod_home.home)}

    refused = cli("install", "vscode", code=1).stderr
    assert "'memory'" in refused and "mcpod import --from vscode" in refused

    restored = cli("uninstall", "cursor").stdout
    assert Path(installed["backup"]).name in restored
    assert cursor.read_bytes() == original


def test_errors_and_usage(cli: Cli) -> None:
    codex = Path(cli.env["HOME"]) / ".codex" / "config.toml"
    codex.parent.mkdir()
    codex.write_text('model = "o3"\n[mcp_servers.a\ncommand = "x"\n')
    error = cli("import", "--from", "codex", code=1).stderr
    assert f"{codex}: line 2, column " in error and "did not change the file" in error
    error = cli("install", "codex", code=1).stderr
    assert f"{codex}: line 2" in error
    assert codex.read_text() == 'model = "o3"\n[mcp_servers.a\ncommand = "x"\n'
    cli("install", "zed", code=2)
    assert "nothing to uninstall" in cli("uninstall", "windsurf", code=1).stderr
