"""The service templates parse and run the command they name (systemd and launchd
themselves cannot run here: no user systemd in the container, no macOS in CI)."""

from __future__ import annotations

import configparser
import plistlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_systemd_unit_runs_the_daemon() -> None:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.read_string((ROOT / "systemd" / "mcpod.service").read_text())
    assert unit["Service"]["ExecStart"] == "@MCPOD@ daemon"
    assert unit["Service"]["ExecStop"] == "@MCPOD@ stop"
    assert "3" in unit["Service"]["RestartPreventExitStatus"].split()  # lost the flock race


def test_launchd_plist_runs_the_daemon() -> None:
    plist = plistlib.loads((ROOT / "launchd" / "io.mcpod.daemon.plist").read_bytes())
    assert plist["ProgramArguments"] == ["@MCPOD@", "daemon"]
    assert plist["KeepAlive"] == {"SuccessfulExit": False}
