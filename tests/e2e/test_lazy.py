"""Lazy exposure end to end: meta-tools first, activation, call-through, persistence."""

from __future__ import annotations

import json
from typing import Any

import anyio
import pytest
from mcp import Client

from mcpod.daemon.catalog import estimate_tokens
from tests.conftest import DaemonHome, everything_server, probe_server, time_server, wait_for
from tests.rawclient import ShimProcess

pytestmark = [pytest.mark.e2e]

META = {
    "mcpod_catalog", "mcpod_search", "mcpod_server_info", "mcpod_activate",
    "mcpod_deactivate", "mcpod_call", "mcpod_activate_for_task",
}  # fmt: skip


def text_of(result: Any) -> str:
    return " ".join(getattr(c, "text", "") for c in result.content)


def indexed(home: DaemonHome, *servers: str) -> bool:
    out = json.loads(home.mcpod("tools", "--json").stdout)
    return all(
        any(s["server"] == name and s["indexed"] for s in out["servers"]) for name in servers
    )


@pytest.mark.anyio
async def test_lazy_session_starts_with_meta_tools_only(daemon: DaemonHome) -> None:
    async with Client(daemon.shim_params("--mode", "lazy"), mode="legacy", cache=None) as client:
        tools = (await client.list_tools()).tools
        assert {t.name for t in tools} == META
        listed = [t.model_dump(by_alias=True, exclude_none=True) for t in tools]
        assert sum(estimate_tokens(t) for t in listed) < 1000


@pytest.mark.anyio
async def test_activation_adds_tools_and_notifies(daemon: DaemonHome) -> None:
    changed = anyio.Event()

    async def on_message(message: Any) -> None:
        if getattr(message, "method", "") == "notifications/tools/list_changed":
            changed.set()

    params = daemon.shim_params("--mode", "lazy")
    async with Client(params, mode="legacy", cache=None, message_handler=on_message) as client:
        await client.list_tools()
        result = await client.call_tool("mcpod_activate", {"servers": ["everything"]})
        assert "everything__echo" in text_of(result)
        with anyio.fail_after(10):
            await changed.wait()
        names = {t.name for t in (await client.list_tools()).tools}
        assert "everything__echo" in names and names >= META and "probe__whoami" not in names
        echoed = await client.call_tool("everything__echo", {"message": "active"})
        assert text_of(echoed) == "Echo: active"
        await client.call_tool("mcpod_deactivate", {"servers": ["everything"]})
        assert "everything__echo" not in {t.name for t in (await client.list_tools()).tools}


@pytest.mark.anyio
async def test_call_through_works_without_activation(daemon: DaemonHome) -> None:
    async with Client(daemon.shim_params("--mode", "lazy"), mode="auto", cache=None) as client:
        result = await client.call_tool(
            "mcpod_call",
            {"server": "everything", "tool": "get-sum", "arguments": {"a": 20, "b": 22}},
        )
        assert "42" in text_of(result)
        bad = await client.call_tool("mcpod_call", {"server": "nope", "tool": "x"})
        assert bad.is_error and "No server named 'nope'" in text_of(bad)
        assert {t.name for t in (await client.list_tools()).tools} == META


@pytest.mark.anyio
async def test_sessions_have_their_own_surfaces_but_share_processes(daemon: DaemonHome) -> None:
    lazy = daemon.shim_params("--mode", "lazy")
    async with (
        Client(lazy, mode="legacy", cache=None) as a,
        Client(lazy, mode="auto", cache=None) as b,
    ):
        await a.call_tool("mcpod_activate", {"servers": ["probe"]})
        a_names = {t.name for t in (await a.list_tools()).tools}
        b_names = {t.name for t in (await b.list_tools()).tools}
        assert "probe__whoami" in a_names and "probe__whoami" not in b_names
        pid_a = text_of(await a.call_tool("probe__whoami", {}))
        pid_b = text_of(await b.call_tool("mcpod_call", {"server": "probe", "tool": "whoami"}))
        assert pid_a == pid_b


@pytest.mark.anyio
async def test_search_and_catalog_meta_tools(daemon: DaemonHome) -> None:
    async with Client(daemon.shim_params("--mode", "lazy"), mode="legacy", cache=None) as client:
        found = text_of(
            await client.call_tool("mcpod_search", {"query": "add two numbers", "limit": 3})
        )
        assert "everything / get-sum" in found.splitlines()[0]
        catalog = text_of(await client.call_tool("mcpod_catalog", {}))
        assert "everything [" in catalog and "probe [" in catalog and "tokens" in catalog
        info = text_of(await client.call_tool("mcpod_server_info", {"server": "probe"}))
        assert "- whoami" in info and "- sleep" in info
        task = text_of(
            await client.call_tool("mcpod_activate_for_task", {"task": "echo a message back"})
        )
        assert "everything" in task
        assert "everything__echo" in {t.name for t in (await client.list_tools()).tools}


def test_the_catalog_survives_a_restart_without_starting_servers(mcpod_home: DaemonHome) -> None:
    mcpod_home.write_config({"probe": probe_server(), "time": time_server()})
    mcpod_home.start()
    wait_for(lambda: indexed(mcpod_home, "probe", "time"), 60, "background indexing")
    mcpod_home.mcpod("stop")
    mcpod_home.start()  # a new daemon process on the same state dir
    tools = json.loads(mcpod_home.mcpod("tools", "probe", "--json").stdout)["servers"][0]
    assert tools["indexed"] and {t["name"] for t in tools["tools"]} >= {"whoami", "sleep"}
    hits = json.loads(mcpod_home.mcpod("search", "current time in a timezone", "--json").stdout)
    assert (
        hits[0]["server"] == "time" and {"server", "tool", "score", "description"} <= hits[0].keys()
    )
    states = {s["name"]: s["state"] for s in mcpod_home.status()["servers"]}
    assert states == {"probe": "stopped", "time": "stopped"}, "nothing was started to answer"
    shim = ShimProcess(mcpod_home.env, "--mode", "lazy")
    try:
        shim.initialize()
        shim.raw_request(1, "tools/call", {"name": "mcpod_search", "arguments": {"query": "sleep"}})
        assert "probe / sleep" in shim.response(1)["result"]["content"][0]["text"]
    finally:
        shim.close()


def test_a_server_whose_config_changed_is_reindexed(mcpod_home: DaemonHome) -> None:
    mcpod_home.write_config({"probe": probe_server()})
    mcpod_home.start()
    wait_for(lambda: indexed(mcpod_home, "probe"), 60, "background indexing")
    assert json.loads(mcpod_home.mcpod("search", "forecast", "--json").stdout) == [] or all(
        hit["tool"] != "forecaster"
        for hit in json.loads(mcpod_home.mcpod("search", "forecast", "--json").stdout)
    )
    mcpod_home.mcpod("stop")
    changed = probe_server()
    changed["env"] = {"PROBE_EXTRA_TOOL": "forecaster"}
    mcpod_home.write_config({"probe": changed})
    mcpod_home.start()

    def reindexed() -> bool:
        hits = json.loads(mcpod_home.mcpod("search", "weather forecast", "--json").stdout)
        return bool(hits) and hits[0]["tool"] == "forecaster"

    wait_for(reindexed, 60, "the changed server to be re-indexed")


def test_profiles_and_client_defaults_choose_the_surface(mcpod_home: DaemonHome) -> None:
    (mcpod_home.home / "config.json").write_text(json.dumps({
        "mcpServers": {"everything": everything_server(), "probe": probe_server()},
        "profiles": {"focus": {"servers": ["probe"], "mode": "lazy", "alwaysOn": ["probe"]}},
        "clients": {"raw-test": {"mode": "all"}},
    }))  # fmt: skip
    focused = ShimProcess(mcpod_home.env, "--profile", "focus")
    plain = ShimProcess(mcpod_home.env, "--profile=focus", "--mode=all")
    by_client = ShimProcess(mcpod_home.env, "--mode", "lazy")
    try:
        focused.initialize()
        focused.raw_request(1, "tools/list")
        names = {t["name"] for t in focused.response(1)["result"]["tools"]}
        assert (
            names >= META
            and "probe__whoami" in names
            and not any(n.startswith("everything") for n in names)
        )
        focused.raw_request(
            2,
            "tools/call",
            {"name": "mcpod_call", "arguments": {"server": "everything", "tool": "echo"}},
        )
        assert "No server named 'everything'" in focused.response(2)["result"]["content"][0]["text"]
        plain.initialize()
        plain.raw_request(3, "tools/list")
        names = {t["name"] for t in plain.response(3)["result"]["tools"]}
        assert "probe__whoami" in names and "mcpod_search" not in names
        by_client.initialize()  # client "raw-test" defaults to all, but --mode lazy wins
        by_client.raw_request(4, "tools/list")
        assert {t["name"] for t in by_client.response(4)["result"]["tools"]} == META
    finally:
        for shim in (focused, plain, by_client):
            shim.close()
    client_default = ShimProcess(mcpod_home.env, "--profile", "nosuch")
    try:
        client_default.raw_request(
            5, "initialize", {"protocolVersion": "2025-11-25", "capabilities": {}}
        )
        assert "unknown profile 'nosuch'" in client_default.response(5)["error"]["message"]
    finally:
        client_default.close()


@pytest.mark.anyio
async def test_lazy_mode_hides_tools_only_prompts_and_resources_stay_listed(
    daemon: DaemonHome,
) -> None:
    async with Client(daemon.shim_params("--mode", "lazy"), mode="legacy", cache=None) as client:
        assert {t.name for t in (await client.list_tools()).tools} == META
        prompts = {p.name for p in (await client.list_prompts()).prompts}
        assert "everything__simple-prompt" in prompts, "no activation needed for prompts"
        resources = (await client.list_resources()).resources
        assert any(str(r.uri).startswith("demo://resource/static/") for r in resources)
        read = await client.read_resource(resources[0].uri)
        assert read.contents, "a listed resource can be read without activating its server"


def test_the_client_name_in_the_handshake_picks_the_default_mode(daemon: DaemonHome) -> None:
    import sys

    from mcpod.client.stdio import StdioClient

    def tools_for(client_name: str) -> set[str]:
        shim = StdioClient([sys.executable, "-m", "mcpod.shim"], env=daemon.env, timeout=30)
        try:
            shim.initialize({"protocolVersion": "2025-11-25", "capabilities": {},
                             "clientInfo": {"name": client_name, "version": "1"}})  # fmt: skip
            return {t["name"] for t in shim.request("tools/list")["tools"]}
        finally:
            shim.close()

    assert tools_for("cursor-vscode") == META, "lazy: the meta-tools only"
    every = tools_for("claude-code")
    assert "probe__whoami" in every and not every & META, "all: every tool, no meta-tools"
