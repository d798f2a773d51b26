from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from mcpod.config.clients import Context


@dataclass
class Mcpod:
    """An isolated mcpod: its config and secret store (neither exists yet)."""

    config_file: Path
    secrets_file: Path
    shim: str


@pytest.fixture
def ctx(tmp_path: Path) -> Context:
    """A temporary HOME on Linux, working in a project directory inside it."""
    home = tmp_path / "home"
    cwd = home / "work" / "project"
    cwd.mkdir(parents=True)
    return Context(home=home, cwd=cwd, platform="linux", environ={})


@pytest.fixture
def mcpod(tmp_path: Path) -> Mcpod:
    root = tmp_path / "mcpod"
    return Mcpod(root / "config.json", root / "secrets.json", "/opt/mcpod/bin/mcpod-shim")
