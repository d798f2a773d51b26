"""`mcpod add`, `remove` and `secret` against a running daemon: edits apply by themselves,
secrets reach the server and nothing else."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from tests.conftest import PROBE, DaemonHome, probe_server, wait_for
from tests.rawclient import ShimProcess

pytestmark = pytest.mark.e2e


def server_state(home: DaemonHome, name: str) -> dict[str, Any] | None:
    return next((s for s in home.status()["servers"] if s["name"] == name), None)


def servers_listing(home: DaemonHome) -> dict[str, Any]:
    return {s["name"]: s for s in json.loads(home.mcpod("servers", "--json").stdout)["servers"]}


def call(shim: ShimProcess, request_id: int, tool: str, arguments: dict[str, Any]) -> Any:
    shim.raw_request(request_id, "tools/call", {"name": tool, "arguments": arguments})
    return shim.response(request_id)


def test_an_added_server_with_a_secret_serves_and_the_secret_shows_nowhere(
    mcpod_home: DaemonHome,
) -> None:
    mcpod_home.write_config({"probe": probe_server()})
    mcpod_home.start()
    secret = "tok-4f1d9c-never-shown"
    added = mcpod_home.mcpod(
        "add", "vault", "--env", f"VAULT_TOKEN={secret}", "--json", "--",
        sys.executable, str(PROBE),
    )  # fmt: skip
    report = json.loads(added.stdout)
    assert report["server"]["env"] == {"VAULT_TOKEN": "${secret:VAULT_VAULT_TOKEN}"}
    assert secret not in (mcpod_home.home / "config.json").read_text()
    wait_for(lambda: server_state(mcpod_home, "vault") is not None, 15, "the daemon to pick it up")
    shim = ShimProcess(mcpod_home.env)
    try:
        shim.initialize()
        answer = call(shim, 1, "vault__env_var", {"name": "VAULT_TOKEN"})
        assert answer["result"]["content"][0]["text"] == secret, "the server gets the value"
    finally:
        shim.close()
    status = mcpod_home.mcpod("status", "--json").stdout + mcpod_home.mcpod("status").stdout
    listing = mcpod_home.mcpod("secret", "ls", "--json").stdout
    assert json.loads(listing)["secrets"] == [{"name": "VAULT_VAULT_TOKEN", "servers": ["vault"]}]
    assert json.loads(listing)["backend"].endswith("secrets.json"), "no keyring on this machine"
    for text in (status, listing, mcpod_home.daemon_log(), added.stdout):
        assert secret not in text

    removed = mcpod_home.mcpod("remove", "vault")
    assert "VAULT_VAULT_TOKEN is still stored" in removed.stdout
    wait_for(lambda: server_state(mcpod_home, "vault") is None, 15, "the removal to apply")
    again = mcpod_home.mcpod("remove", "vault", check=False)
    assert again.returncode == 1 and "no server named 'vault'" in again.stderr


def test_a_missing_secret_is_shown_and_a_call_says_how_to_set_it(mcpod_home: DaemonHome) -> None:
    mcpod_home.write_config(
        {"probe": probe_server(), "locked": {**probe_server(), "env": {"K": "${secret:LOCKED_K}"}}}
    )
    mcpod_home.start()
    shown = servers_listing(mcpod_home)["locked"]
    assert (shown["state"], "mcpod secret set LOCKED_K" in shown["reason"]) == (
        "needs-secret",
        True,
    )
    shim = ShimProcess(mcpod_home.env, "--mode", "lazy")
    try:
        shim.initialize()
        catalog = call(shim, 9, "mcpod_catalog", {})
        assert "needs-secret: MCP server 'locked' needs secret LOCKED_K" in str(catalog)
        wait_for(
            lambda: (server_state(mcpod_home, "locked") or {}).get("state") == "needs-secret",
            30, "needs-secret in status",
        )  # fmt: skip
        locked = server_state(mcpod_home, "locked")
        assert locked is not None and "mcpod secret set LOCKED_K" in locked["reason"]
        table = mcpod_home.mcpod("secret", "ls").stdout
        assert "LOCKED_K" in table and "MISSING" in table
        setter = subprocess.run(
            [sys.executable, "-m", "mcpod", "secret", "set", "LOCKED_K"],
            input="opened\n", env=mcpod_home.env, capture_output=True, text=True, timeout=30,
        )  # fmt: skip
        assert setter.returncode == 0, setter.stderr
        answer = call(shim, 1, "locked__env_var", {"name": "K"})
        assert answer["result"]["content"][0]["text"] == "opened", answer
    finally:
        shim.close()


def test_a_docker_run_line_with_a_tty_is_refused_and_nothing_is_written(
    mcpod_home: DaemonHome,
) -> None:
    mcpod_home.write_config({"probe": probe_server()})
    before = (mcpod_home.home / "config.json").read_text()
    refused = mcpod_home.mcpod(
        "add", "gh", "--", "docker", "run", "-it", "-e", "GITHUB_TOKEN=ghp_x", "mcp/github",
        check=False,
    )  # fmt: skip
    assert refused.returncode == 1 and "TTY" in refused.stderr
    assert (mcpod_home.home / "config.json").read_text() == before
    assert not (mcpod_home.home / "secrets.json").exists()


def test_admin_tools_only_for_an_admin_profile_and_secrets_stay_write_only(
    mcpod_home: DaemonHome,
) -> None:
    (mcpod_home.home / "config.json").write_text(json.dumps({
        "mcpServers": {"probe": {**probe_server(), "env": {"API_TOKEN": "plain-in-file"}}},
        "profiles": {"ops": {"admin": True}},
    }))  # fmt: skip
    mcpod_home.start()
    plain = ShimProcess(mcpod_home.env)
    admin = ShimProcess(mcpod_home.env, "--profile", "ops", "--mode", "all")
    try:
        plain.initialize()
        admin.initialize()
        plain.raw_request(1, "tools/list")
        assert not any(
            t["name"].startswith("mcpod_secret") for t in plain.response(1)["result"]["tools"]
        )
        refused = call(plain, 2, "mcpod_secret_set", {"name": "X", "value": "y"})
        assert "error" in refused, "a session without admin cannot call them"
        admin.raw_request(1, "tools/list")
        names = {t["name"] for t in admin.response(1)["result"]["tools"]}
        assert {"mcpod_config_get", "mcpod_config_set", "mcpod_secret_set", "mcpod_secret_list",
                "mcpod_secret_remove"} <= names  # fmt: skip

        def text(answer: Any) -> str:
            return str(answer["result"]["content"][0]["text"])

        stored = call(admin, 2, "mcpod_secret_set", {"name": "NEW_TOKEN", "value": "s3cr3t-v4lue"})
        assert "Stored NEW_TOKEN" in text(stored) and "s3cr3t-v4lue" not in text(stored)
        entry = {**probe_server(), "env": {"T": "${secret:NEW_TOKEN}"}}
        added = call(admin, 3, "mcpod_config_set", {"server": "second", "entry": entry})
        assert "second: added" in text(added)
        listing = text(call(admin, 4, "mcpod_secret_list", {}))
        assert "NEW_TOKEN: used by second" in listing and "s3cr3t-v4lue" not in listing
        shown = text(call(admin, 5, "mcpod_config_get", {"server": "probe"}))
        assert "plain-in-file" not in shown and '"API_TOKEN": "***"' in shown
        wait_for(lambda: server_state(mcpod_home, "second") is not None, 15, "the new server")
        answer = call(admin, 6, "second__env_var", {"name": "T"})
        assert text(answer) == "s3cr3t-v4lue", "the secret reached the server it was set for"
        bad = call(admin, 7, "mcpod_config_set", {"server": "bad", "entry": {"args": ["x"]}})
        assert bad["result"].get("isError") and "command" in text(bad)
    finally:
        plain.close()
        admin.close()


def test_with_an_os_keyring_the_value_lives_there_and_still_reaches_the_server(
    mcpod_home: DaemonHome,
) -> None:
    ring = mcpod_home.home / "keyring.json"
    mcpod_home.env.update(
        PYTHON_KEYRING_BACKEND="tests.servers.file_keyring.FileKeyring", TEST_KEYRING_FILE=str(ring)
    )
    mcpod_home.write_config({"locked": {**probe_server(), "env": {"K": "${secret:RING_K}"}}})
    mcpod_home.start()
    setter = subprocess.run(
        [sys.executable, "-m", "mcpod", "secret", "set", "RING_K"],
        input="from-the-ring\n", env=mcpod_home.env, capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert setter.returncode == 0 and "OS keyring (FileKeyring)" in setter.stdout, setter.stderr
    assert "from-the-ring" not in (mcpod_home.home / "secrets.json").read_text()
    assert "from-the-ring" in ring.read_text()
    shim = ShimProcess(mcpod_home.env)
    try:
        shim.initialize()
        answer = call(shim, 1, "locked__env_var", {"name": "K"})
        assert answer["result"]["content"][0]["text"] == "from-the-ring", answer
    finally:
        shim.close()
