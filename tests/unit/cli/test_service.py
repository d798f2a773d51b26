"""The service templates: the repository's copies are the CLI's own, and they parse.

systemd and launchd themselves cannot run here (no user systemd manager in the
container, no macOS in CI); socket activation is exercised end to end with
systemd-socket-activate in tests/e2e/test_service.py.
"""

from __future__ import annotations

import configparser
import plistlib
from pathlib import Path

from mcpod.cli.service import LAUNCH_AGENT, SERVICE_UNIT, SOCKET_UNIT, render

ROOT = Path(__file__).resolve().parents[3]


def test_repository_copies_are_the_cli_templates() -> None:
    assert (ROOT / "systemd" / "mcpod.socket").read_text() == SOCKET_UNIT
    assert (ROOT / "systemd" / "mcpod.service").read_text() == SERVICE_UNIT
    assert (ROOT / "launchd" / "io.mcpod.daemon.plist").read_text() == LAUNCH_AGENT


def unit(text: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(text)
    return parser


def test_systemd_units_activate_the_daemon_on_mcpods_socket() -> None:
    socket_unit = unit(SOCKET_UNIT)
    assert (
        socket_unit["Socket"]["ListenStream"] == "%t/mcpod/mcpod.sock"
    )  # = $XDG_RUNTIME_DIR/mcpod
    assert socket_unit["Socket"]["SocketMode"] == "0600"
    service = unit(render(SERVICE_UNIT, "/opt/bin/mcpod", "/s", "/usr/bin:/bin"))
    assert service["Service"]["ExecStart"] == "/opt/bin/mcpod daemon"
    assert service["Service"]["Environment"] == "PATH=/usr/bin:/bin"
    assert "3" in service["Service"]["RestartPreventExitStatus"].split()


def test_launch_agent_owns_the_socket() -> None:
    plist = plistlib.loads(
        render(LAUNCH_AGENT, "/opt/bin/mcpod", "/Users/u/s.sock", "/bin").encode()
    )
    assert plist["ProgramArguments"] == ["/opt/bin/mcpod", "daemon"]
    listener = plist["Sockets"]["Listeners"]
    assert listener == {"SockPathName": "/Users/u/s.sock", "SockPathMode": 0o600}
