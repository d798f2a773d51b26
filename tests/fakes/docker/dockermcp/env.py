"""What one invocation of the fake `docker` runs with: era, version, failure modes, paths.

Everything comes from environment variables so a test (or the mcpod daemon it starts) can steer
the double without flags that the real CLI does not have:

- `FAKE_DOCKER_MCP_ERA`: `legacy` (v0.27-v0.41, profiles off) or `profiles` (v0.42+); reference §0.
  Defaults to `profiles` when the version is v0.42 or later, else `legacy`.
- `FAKE_DOCKER_MCP_VERSION`: what `docker mcp version` prints (§1); default v0.40.0 / v0.42.1.
- `FAKE_DOCKER_FAIL`: comma-separated failure modes, see `FAIL_MODES`.
- `FAKE_DOCKER_HOME`: where `.docker/mcp/` lives; default `$HOME`.
- `FAKE_DOCKER_CALLS`: a JSON-lines file that gets one line per invocation and event.
- `FAKE_DOCKER_MCP_PULL_CATALOG`: `0` to start the profiles era without the OCI catalog pulled.
- `FAKE_DOCKER_GATEWAY_DELAY`: seconds the gateway waits before answering (a slow start).
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
FAKE_DOCKER_PY = Path(__file__).resolve().parent.parent / "fake_docker.py"

DEFAULT_LEGACY_VERSION = "v0.40.0"
DEFAULT_PROFILES_VERSION = "v0.42.1"
PROFILES_ALWAYS_ON = (0, 42, 0)  # §0: commit 05767836 made profiles unconditional

FAIL_MODES = {
    # §1 "A missing plugin is reported by the Docker CLI itself".
    "no-plugin": "docker without the mcp CLI plugin",
    # §1 pre-run checks: the engine is queried for every command except `version`.
    "daemon-down": "the Docker engine is not running",
    # A format change: JSON-printing commands print text that is not JSON.
    "garbage": "JSON outputs are replaced by non-JSON text",
    # A format change: JSON-printing commands print valid JSON of another shape.
    "garbage-json": "JSON outputs are replaced by JSON of an undocumented shape",
    # §1: `secret` needs `docker pass`.
    "no-docker-pass": "docker pass is not installed",
    # The gateway writes a log line to stdout before the JSON-RPC stream (a broken gateway).
    "gateway-noise": "gateway prints a non-JSON line on stdout",
}

_VERSION = re.compile(r"v?(\d+)\.(\d+)\.(\d+)")


def parse_version(text: str) -> tuple[int, int, int]:
    """`v0.40.0-dev` -> (0, 40, 0); unparsable (e.g. `HEAD`) counts as the newest."""
    match = _VERSION.match(text)
    if not match:
        return (999, 0, 0)
    return (int(match.group(1)), int(match.group(2)), int(match.group(3)))


@dataclass
class Env:
    """The settings of one invocation, read once from `os.environ`."""

    era: str
    version: str
    fail: set[str]
    home: Path
    calls_file: Path | None
    pull_catalog: bool = True
    gateway_delay: float = 0.0
    environ: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_environ(cls, environ: dict[str, str] | None = None) -> Env:
        environ = dict(os.environ if environ is None else environ)
        version = environ.get("FAKE_DOCKER_MCP_VERSION", "")
        era = environ.get("FAKE_DOCKER_MCP_ERA", "")
        if not era:
            newest = version and parse_version(version) >= PROFILES_ALWAYS_ON
            era = "profiles" if newest else "legacy"
        if era not in ("legacy", "profiles"):
            raise SystemExit(f"fake docker: FAKE_DOCKER_MCP_ERA must be legacy|profiles, not {era}")
        if not version:
            version = DEFAULT_PROFILES_VERSION if era == "profiles" else DEFAULT_LEGACY_VERSION
        fail = {m.strip() for m in environ.get("FAKE_DOCKER_FAIL", "").split(",") if m.strip()}
        unknown = fail - FAIL_MODES.keys()
        if unknown:
            raise SystemExit(f"fake docker: unknown FAKE_DOCKER_FAIL mode(s): {sorted(unknown)}")
        home = Path(environ.get("FAKE_DOCKER_HOME") or environ.get("HOME") or Path.home())
        calls = environ.get("FAKE_DOCKER_CALLS")
        return cls(
            era=era,
            version=version,
            fail=fail,
            home=home,
            calls_file=Path(calls) if calls else None,
            pull_catalog=environ.get("FAKE_DOCKER_MCP_PULL_CATALOG", "1") != "0",
            gateway_delay=float(environ.get("FAKE_DOCKER_GATEWAY_DELAY", "0") or 0),
            environ=environ,
        )

    @property
    def profiles(self) -> bool:
        return self.era == "profiles"

    @property
    def version_tuple(self) -> tuple[int, int, int]:
        return parse_version(self.version)

    @property
    def mcp_dir(self) -> Path:
        """`~/.docker/mcp`, the plugin's state directory (§7)."""
        return self.home / ".docker" / "mcp"

    @property
    def docker_config(self) -> Path:
        """`~/.docker/config.json`: feature flags and the hints switch (§1, §4.8)."""
        return self.home / ".docker" / "config.json"

    @property
    def keychain(self) -> Path:
        """Stands in for the OS keychain behind `docker pass` (§4.7); not a real Docker file."""
        return self.home / ".fake-docker" / "keychain.json"

    def record(self, event: dict[str, Any]) -> None:
        """Append one JSON line to `FAKE_DOCKER_CALLS` (if set) for tests to assert on."""
        if self.calls_file is None:
            return
        line = {**event, "pid": os.getpid(), "time": time.time()}
        data = (json.dumps(line, ensure_ascii=False) + "\n").encode()
        self.calls_file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.calls_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, data)  # one write with O_APPEND: lines from parallel processes stay whole
        finally:
            os.close(fd)
