"""Socket activation through systemd's own `systemd-socket-activate`, and the installer."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import DaemonHome, probe_server, wait_for
from tests.rawclient import ShimProcess

pytestmark = pytest.mark.e2e


def activator(home: DaemonHome) -> list[str]:
    """systemd's own activator when installed, else the same handshake done in Python."""
    tool = shutil.which("systemd-socket-activate")
    emulator = [sys.executable, str(Path(__file__).parent.parent / "socket_activate.py")]
    launcher = [tool] if tool else emulator
    daemon = [sys.executable, "-m", "mcpod", "daemon"]
    return [*launcher, "-l", str(home.socket), "-E", f"MCPOD_HOME={home.home}", *daemon]


def test_an_activated_daemon_serves_and_leaves_the_socket_to_its_owner(
    mcpod_home: DaemonHome,
) -> None:
    mcpod_home.write_config({"probe": probe_server()})
    (mcpod_home.home / "run").mkdir(mode=0o700)
    owner = subprocess.Popen(activator(mcpod_home), stderr=subprocess.PIPE)
    try:
        wait_for(mcpod_home.socket.exists, 30, "systemd-socket-activate to listen")
        shim = ShimProcess(mcpod_home.env)  # connects: no daemon spawned by the shim
        try:
            shim.initialize()
            shim.raw_request(1, "tools/call", {"name": "probe__whoami", "arguments": {}})
            assert shim.response(1)["result"]["content"][0]["text"].isdigit()
        finally:
            shim.close()
        status = mcpod_home.status()
        assert status["pid"] == owner.pid  # the activator exec'd the daemon in its own process
        assert mcpod_home.mcpod("stop").returncode == 0
        assert owner.wait(timeout=30) == 0
        assert mcpod_home.socket.exists(), "an activated socket belongs to the service manager"
        log = mcpod_home.home / "logs" / "daemon.log"
        assert (
            not log.exists()
            or "socket activation" in owner.stderr.read().decode() + log.read_text()
        )
    finally:
        if owner.poll() is None:
            owner.kill()


def test_service_install_dry_run_shows_what_it_would_do(mcpod_home: DaemonHome) -> None:
    out = mcpod_home.mcpod("service", "install", "--dry-run").stdout
    assert "mcpod.socket" in out and "ListenStream=%t/mcpod/mcpod.sock" in out
    assert f"ExecStart={Path(sys.executable).with_name('mcpod')} daemon" in out
    assert "$ systemctl --user enable --now mcpod.socket" in out
