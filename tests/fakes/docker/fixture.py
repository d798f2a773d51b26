"""Putting the fake `docker` on PATH for a test.

    env = install_fake_docker(tmp_path / "bin", tmp_path / "docker-home", era="profiles")
    subprocess.run(["docker", "mcp", "profile", "ls"], env={**os.environ, **env})

The returned variables point the double at its own state directory (`FAKE_DOCKER_HOME`), so
the caller's `HOME` can stay separate; pass `set_home=True` to also set `HOME` (for a program
that should believe the docker home is its home). `read_calls()` parses the `FAKE_DOCKER_CALLS`
log: one `{"argv": [...], "pid", "time", ...}` line per invocation, plus
`{"container_start": [...], "reason": ...}` and `{"gateway": "start"|"stop", ...}` events.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .dockermcp import db, state
from .dockermcp.env import FAKE_DOCKER_PY, Env

__all__ = ["install_fake_docker", "read_calls"]


def _wrapper(name: str) -> str:
    python = shlex.quote(sys.executable)
    script = shlex.quote(str(FAKE_DOCKER_PY))
    return f'#!/bin/sh\nFAKE_DOCKER_ARGV0={name} exec {python} {script} "$@"\n'


def install_fake_docker(
    bin_dir: Path,
    home: Path,
    era: str = "legacy",
    version: str | None = None,
    *,
    enabled_servers: Iterable[str] = (),
    calls_file: Path | None = None,
    set_home: bool = False,
) -> dict[str, str]:
    """Write `bin_dir/docker` (and `docker-mcp`) and return the environment to run it with.

    `enabled_servers` pre-enables catalog servers: in `registry.yaml` for the legacy era, in
    profile `default` for the profiles era (the state a user who enabled them would have).
    """
    if era not in ("legacy", "profiles"):
        raise ValueError(f"era must be 'legacy' or 'profiles', not {era!r}")
    bin_dir.mkdir(parents=True, exist_ok=True)
    home.mkdir(parents=True, exist_ok=True)
    for name in ("docker", "docker-mcp"):
        path = bin_dir / name
        path.write_text(_wrapper(name), encoding="utf-8")
        path.chmod(0o755)
    env = {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', os.defpath)}",
        "FAKE_DOCKER_HOME": str(home),
        "FAKE_DOCKER_MCP_ERA": era,
        "FAKE_DOCKER_CALLS": str(calls_file or home / "fake-docker-calls.jsonl"),
    }
    if version:
        env["FAKE_DOCKER_MCP_VERSION"] = version
    if set_home:
        env["HOME"] = str(home)
    names = list(enabled_servers)
    if names:
        _enable(Env.from_environ({**os.environ, **env}), names)
    return env


def _enable(env: Env, names: list[str]) -> None:
    known = state.all_catalog_servers(env)
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(f"not in the fake catalog: {unknown}")
    state.write_registry(env, sorted(set(state.enabled_servers(env)) | set(names)))
    if env.profiles:
        db.connect(env).close()  # the first open migrates registry.yaml into profile `default`


def read_calls(path: Path | str) -> list[dict[str, Any]]:
    """The `FAKE_DOCKER_CALLS` lines, oldest first (empty if nothing ran yet)."""
    path = Path(path)
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
