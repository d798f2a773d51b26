"""What importing a module really loads, checked in fresh interpreters: the shim's
stdlib-only start-up, the direction of the layers at run time, and rooms that must stay
light. (The static contracts, cycles included, are import-linter's: `make lint`.)"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"

PROBE = """
import json, sys, importlib
before = set(sys.modules)
importlib.import_module(sys.argv[1])
new = sorted(m for m in set(sys.modules) - before)
print(json.dumps(new))
"""


def modules_loaded_by(module: str) -> list[str]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, module], capture_output=True, text=True, check=True, cwd=SRC
    ).stdout
    result: list[str] = json.loads(out)
    return result


def third_party(modules: list[str]) -> list[str]:
    return sorted({m.split(".")[0] for m in modules} - set(sys.stdlib_module_names) - {"mcpod"})


def test_the_shim_imports_only_the_stdlib() -> None:
    loaded = modules_loaded_by("mcpod.shim.__main__")
    assert third_party(loaded) == []
    assert not [
        m
        for m in loaded
        if m == "mcpod.cli" or m.startswith(("mcpod.daemon", "mcpod.cli.", "asyncio"))
    ]


def test_protocol_and_client_do_not_reach_up() -> None:
    for module, allowed in (("mcpod.protocol", ("mcpod.protocol",)),
                            ("mcpod.client", ("mcpod.protocol", "mcpod.client"))):  # fmt: skip
        loaded = [m for m in modules_loaded_by(module) if m.startswith("mcpod.")]
        assert all(m.startswith(allowed) for m in loaded), loaded
        assert third_party(modules_loaded_by(module)) == []


def test_the_cli_does_not_import_the_daemon_or_the_sdk() -> None:
    loaded = modules_loaded_by("mcpod.cli.main")
    assert not [m for m in loaded if m.startswith(("mcpod.daemon", "mcp.", "anyio"))]


def test_the_daemon_does_not_import_the_cli_shim_or_client() -> None:
    loaded = modules_loaded_by("mcpod.daemon.app")
    assert not [m for m in loaded if m.startswith(("mcpod.cli.", "mcpod.shim", "mcpod.client"))]


def test_the_daemon_package_itself_imports_nothing() -> None:
    assert [m for m in modules_loaded_by("mcpod.daemon") if m.startswith("mcpod.")] == [
        "mcpod.daemon"
    ]


def test_the_catalog_search_does_not_pull_in_the_sdk_or_the_event_loop() -> None:
    loaded = modules_loaded_by("mcpod.daemon.catalog.search")
    assert not [m for m in loaded if m.split(".")[0] in ("mcp", "anyio", "httpx2", "pydantic")]
