"""The Docker MCP Toolkit as a source, through the test double of the `docker` CLI
(tests/fakes/docker, built from ../shared/reference/DOCKER_MCP_CLI.md), in both eras."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import DaemonHome, probe_server, wait_for
from tests.fakes.docker.fixture import install_fake_docker, read_calls
from tests.rawclient import ShimProcess

pytestmark = pytest.mark.e2e


def with_fake_docker(home: DaemonHome, era: str, **extra: str) -> dict[str, str]:
    env = install_fake_docker(home.home / "bin", home.home / "docker", era=era,
                              enabled_servers=("duckduckgo",))  # fmt: skip
    home.env.update(env, **extra)
    return env


def servers(home: DaemonHome) -> dict[str, dict[str, Any]]:
    listing = json.loads(home.mcpod("servers", "--json").stdout)
    return {s["name"]: s for s in listing["servers"]}


def docker_source(home: DaemonHome) -> dict[str, Any]:
    return next(s for s in home.status()["sources"] if s["name"] == "docker")


@pytest.mark.parametrize("era", ["legacy", "profiles"])
def test_the_catalog_is_searchable_without_a_container_and_one_gateway_serves_all(
    mcpod_home: DaemonHome, era: str
) -> None:
    env = with_fake_docker(mcpod_home, era)
    mcpod_home.write_config({"probe": probe_server()})
    mcpod_home.start()
    wait_for(lambda: docker_source(mcpod_home)["state"] == "ok", 60, "the Docker source")
    assert docker_source(mcpod_home)["era"] == era

    def catalog_read() -> bool:
        known = servers(mcpod_home)
        return len(known) > 300 and (known.get("github-official") or {}).get("tools") is not None

    wait_for(catalog_read, 90, "Docker's catalog with its tool definitions")
    known = servers(mcpod_home)
    assert known["duckduckgo"]["enabled"] and known["duckduckgo"]["source"] == "docker"
    assert not known["github-official"]["enabled"]
    assert known["github-official"]["state"] == "available"
    hits = json.loads(
        mcpod_home.mcpod("search", "create a pull request on github", "--json").stdout
    )
    assert any(h["server"] == "github-official" for h in hits[:5]), hits
    calls = read_calls(env["FAKE_DOCKER_CALLS"])
    assert [c for c in calls if "container_start" in c or "gateway" in c] == [], (
        "discovery starts no container and no gateway"
    )

    shims = [ShimProcess(mcpod_home.env), ShimProcess(mcpod_home.env)]
    try:
        for n, shim in enumerate(shims, 1):
            shim.initialize()
            call = {"name": "duckduckgo__search", "arguments": {"query": f"q{n}"}}
            shim.raw_request(n, "tools/call", call)
            answer = shim.response(n, timeout=60)
            assert "result" in answer and not answer["result"].get("isError"), answer
            assert f"q{n}" in answer["result"]["content"][0]["text"]
    finally:
        for shim in shims:
            shim.close()
    gateways = [c for c in read_calls(env["FAKE_DOCKER_CALLS"]) if c.get("gateway") == "start"]
    assert len(gateways) == 1, f"one shared gateway for two sessions, not {gateways}"
    assert gateways[0]["servers"] == ["duckduckgo"] and gateways[0]["long_lived"]


@pytest.mark.parametrize(
    ("fail", "says"), [("daemon-down", "Cannot connect to the Docker daemon"),
                       ("no-plugin", "not installed"), ("garbage", "not JSON")]
)  # fmt: skip
def test_a_failing_docker_is_a_status_line_and_the_other_servers_serve(
    mcpod_home: DaemonHome, fail: str, says: str
) -> None:
    with_fake_docker(mcpod_home, "legacy", FAKE_DOCKER_FAIL=fail)
    mcpod_home.write_config({"probe": probe_server()})
    mcpod_home.start()
    wait_for(lambda: docker_source(mcpod_home)["state"] != "unknown", 60, "the Docker source")
    source = docker_source(mcpod_home)
    assert source["state"] in ("failed", "absent") and says in source["detail"], source
    assert f"docker  {source['state']}: " in mcpod_home.mcpod("status").stdout
    shim = ShimProcess(mcpod_home.env)
    try:
        shim.initialize()
        shim.raw_request(1, "tools/call", {"name": "probe__whoami", "arguments": {}})
        assert "result" in shim.response(1)
    finally:
        shim.close()


def test_an_enabled_server_missing_its_docker_secret_says_how_to_set_it(
    mcpod_home: DaemonHome,
) -> None:
    env = install_fake_docker(mcpod_home.home / "bin", mcpod_home.home / "docker",
                              era="legacy", enabled_servers=("github-official",))  # fmt: skip
    mcpod_home.env.update(env)
    mcpod_home.write_config({"probe": probe_server()})
    mcpod_home.start()
    wait_for(lambda: "github-official" in servers(mcpod_home), 60, "the Docker servers")
    shown = servers(mcpod_home)["github-official"]
    assert shown["state"] == "needs-secret", shown
    assert "docker mcp secret set github.personal_access_token=VALUE" in shown["reason"]
    calls = read_calls(env["FAKE_DOCKER_CALLS"])
    assert not [c for c in calls if c.get("gateway") == "start"], "no gateway for it"
