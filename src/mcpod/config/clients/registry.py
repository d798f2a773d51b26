"""The AI clients mcpod knows, and where each keeps its MCP servers.

Every location is computed from a `Context` (home, cwd, platform, environment), so tests
point it at a temporary HOME. User-level files are what `mcpod install` rewrites;
project-level files (in the current directory) are only read by `mcpod import`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Format = Literal["json", "jsonc", "toml"]
Level = Literal["user", "project", "local"]


@dataclass(frozen=True, slots=True)
class Context:
    home: Path
    cwd: Path
    platform: str = sys.platform
    environ: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def current(cls) -> Context:
        return cls(Path.home(), Path.cwd(), sys.platform, dict(os.environ))

    def env_dir(self, variable: str, default: Path) -> Path:
        """`$variable` when it is set to an absolute path, else `default`."""
        value = self.environ.get(variable, "")
        return Path(value) if os.path.isabs(value) else default

    def app_config(self, app: str) -> Path:
        """An Electron app's per-user data directory (Claude Desktop, VS Code)."""
        if self.platform == "darwin":
            return self.home / "Library" / "Application Support" / app
        return self.env_dir("XDG_CONFIG_HOME", self.home / ".config") / app


@dataclass(frozen=True, slots=True)
class Location:
    """One place a client lists servers: a file and the key path of its servers object."""

    client: str
    path: Path
    level: Level
    key: tuple[str, ...]
    format: Format
    workspace: Path | None = None  # the project folder, for project- and local-level ones

    @property
    def label(self) -> str:
        if self.level == "local":
            return f"{self.path} (projects[{self.key[1]!r}])"
        return str(self.path)


@dataclass(frozen=True, slots=True)
class ClientSpec:
    name: str  # as on the command line
    label: str
    format: Format
    servers_key: str
    user_file: Callable[[Context], Path]
    project_files: Callable[[Context], tuple[Path, ...]] = lambda ctx: ()
    local_scope: bool = False  # Claude Code: per-project servers inside the user file

    def install_location(self, ctx: Context) -> Location:
        return Location(self.name, self.user_file(ctx), "user", (self.servers_key,), self.format)

    def locations(self, ctx: Context) -> tuple[Location, ...]:
        """Every location `mcpod import` reads, user level first."""
        user = self.install_location(ctx)
        found = [user]
        if self.local_scope:
            local = ("projects", str(ctx.cwd), self.servers_key)
            found.append(Location(self.name, user.path, "local", local, self.format, ctx.cwd))
        for path in self.project_files(ctx):
            if path == user.path:  # the current directory is the home directory
                continue
            found.append(
                Location(self.name, path, "project", (self.servers_key,), self.format, ctx.cwd)
            )
        return tuple(found)


def _claude_json(ctx: Context) -> Path:
    return ctx.env_dir("CLAUDE_CONFIG_DIR", ctx.home) / ".claude.json"


def _codex_home(ctx: Context) -> Path:
    return ctx.env_dir("CODEX_HOME", ctx.home / ".codex")


def _gemini_home(ctx: Context) -> Path:
    return ctx.env_dir("GEMINI_CLI_HOME", ctx.home)


CLIENTS: dict[str, ClientSpec] = {
    spec.name: spec
    for spec in (
        ClientSpec(
            "claude-desktop",
            "Claude Desktop",
            "json",
            "mcpServers",
            lambda ctx: ctx.app_config("Claude") / "claude_desktop_config.json",
        ),
        ClientSpec(
            "cursor",
            "Cursor",
            "json",
            "mcpServers",
            lambda ctx: ctx.home / ".cursor" / "mcp.json",
            lambda ctx: (ctx.cwd / ".cursor" / "mcp.json",),
        ),
        ClientSpec(
            "claude-code",
            "Claude Code",
            "json",
            "mcpServers",
            _claude_json,
            lambda ctx: (ctx.cwd / ".mcp.json",),
            local_scope=True,
        ),
        ClientSpec(
            "vscode",
            "VS Code",
            "jsonc",
            "servers",
            lambda ctx: ctx.app_config("Code") / "User" / "mcp.json",
            lambda ctx: (ctx.cwd / ".vscode" / "mcp.json",),
        ),
        ClientSpec(
            "windsurf",
            "Windsurf",
            "json",
            "mcpServers",
            lambda ctx: ctx.home / ".codeium" / "windsurf" / "mcp_config.json",
        ),
        ClientSpec(
            "codex",
            "Codex CLI",
            "toml",
            "mcp_servers",
            lambda ctx: _codex_home(ctx) / "config.toml",
        ),
        ClientSpec(
            "gemini",
            "Gemini CLI",
            "jsonc",
            "mcpServers",
            lambda ctx: _gemini_home(ctx) / ".gemini" / "settings.json",
            lambda ctx: (ctx.cwd / ".gemini" / "settings.json",),
        ),
    )
}
CLIENT_NAMES = tuple(CLIENTS)


def client(name: str) -> ClientSpec:
    try:
        return CLIENTS[name]
    except KeyError:
        raise ValueError(f"unknown client {name!r}: one of {', '.join(CLIENT_NAMES)}") from None
