"""Reading the Docker MCP Toolkit's CLI, on the exact outputs of the reference
(../shared/reference/DOCKER_MCP_CLI.md §4), both eras and the ways it fails."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from mcpod.config import Config, ServerConfig
from mcpod.daemon.sources.docker import DockerServer, DockerState, discover, with_docker

pytestmark = pytest.mark.anyio

# §4.1: compact, no trailing newline.
SERVER_LS = (
    '[{"name":"clickhouse","description":"Official ClickHouse MCP Server.","secrets":"done",'
    '"config":"partial","oauth":"none"},{"name":"duckduckgo","description":"A Model Context '
    "Protocol (MCP) server that provides web search capabilities through DuckDuckGo, with "
    'additional features for content fetching and parsing.","secrets":"none","config":"none",'
    '"oauth":"none"}]'
)
# §4.4, v0.38-v0.41 shape (indented, struct fields always present).
CATALOG = {
    "name": "docker-mcp",
    "displayName": "Docker MCP Catalog",
    "registry": {
        "clickhouse": {
            "type": "server", "image": "mcp/clickhouse@sha256:3a18", "title":
            "Official ClickHouse MCP Server", "description": "Official ClickHouse MCP Server.",
            "remote": {}, "secrets": [{"name": "clickhouse.password",
                                       "env": "CLICKHOUSE_PASSWORD"}],
            "tools": [{"name": "list_databases", "description": "",
                       "container": {"image": "", "command": None, "volumes": None},
                       "parameters": {"type": "", "properties": None, "required": None}}],
            "metadata": {"category": "database", "tags": ["database"]},
        },
        "duckduckgo": {"type": "server", "image": "", "description": "Web search.",
                       "remote": {}, "tools": [{"name": "search"}, {"name": "fetch_content"}]},
        "notion-remote": {"type": "remote", "image": "", "description": "Notion.", "remote": {}},
    },
}  # fmt: skip
# §4.3: indented, no trailing newline, `optional` dropped.
INSPECT = json.dumps(
    {"tools": [{"name": "search", "description": "Search DuckDuckGo and return formatted results.",
                "arguments": [{"name": "query", "type": "string",
                               "desc": "The search query string"},
                              {"name": "max_results", "type": "integer",
                               "desc": "Maximum number of results to return (default: 10)"}],
                "enabled": True}], "readme": "# DuckDuckGo MCP Server\n..."},
    indent=2,
)  # fmt: skip
OBSOLETE = "This command is obsolete. See `docker mcp profile server ls --help` instead.\n"


class Docker:
    """A scripted `docker`: argv -> (exit code, stdout, stderr); records what ran."""

    def __init__(self, answers: dict[tuple[str, ...], tuple[int, str, str]]) -> None:
        self.answers = answers
        self.ran: list[tuple[str, ...]] = []

    async def __call__(self, args: Sequence[str]) -> tuple[int, str, str]:
        self.ran.append(tuple(args))
        return self.answers.get(tuple(args), (1, "", f"unknown: {' '.join(args)}"))


def legacy(version: str = "v0.40.1\n", server_ls: str = SERVER_LS) -> Docker:
    return Docker({
        ("mcp", "version"): (0, version, ""),
        ("mcp", "server", "ls", "--json"): (0, server_ls, ""),
        ("mcp", "catalog", "show", "docker-mcp", "--format", "json"):
            (0, json.dumps(CATALOG, indent=2) + "\n", ""),
        ("mcp", "server", "inspect", "duckduckgo"): (0, INSPECT, ""),
        ("mcp", "server", "inspect", "clickhouse"): (1, "", "fetching tools: no network\n"),
    })  # fmt: skip


async def test_legacy_the_catalog_the_enabled_servers_and_their_tool_definitions() -> None:
    docker = legacy()
    state = await discover(docker)
    assert (state.state, state.era, state.version) == ("ok", "legacy", "v0.40.1")
    by_name = {s.name: s for s in state.servers}
    assert sorted(by_name) == ["clickhouse", "duckduckgo", "notion-remote"]
    assert {s.name for s in state.enabled} == {"clickhouse", "duckduckgo"}
    search = by_name["duckduckgo"].tools[0]
    assert search["inputSchema"] == {
        "type": "object",
        "properties": {
            "query": {"type": "string", "description": "The search query string"},
            "max_results": {"type": "integer",
                            "description": "Maximum number of results to return (default: 10)"},
        },
        "required": ["query", "max_results"],
    }  # fmt: skip
    clickhouse = by_name["clickhouse"]
    assert [t["name"] for t in clickhouse.tools] == ["list_databases"], "names, when inspect fails"
    assert (clickhouse.category, clickhouse.secrets) == ("database", ("CLICKHOUSE_PASSWORD",))
    started = [a for a in docker.ran if a[:2] in (("mcp", "gateway"), ("mcp", "tools"))]
    assert started == [], "discovery starts no gateway and no container"


@pytest.mark.parametrize(
    ("server_ls", "enabled"),
    [('["duckduckgo"]', {"duckduckgo"}), ("null", set()), ("", set())],
)
async def test_legacy_older_and_empty_server_lists(server_ls: str, enabled: set[str]) -> None:
    state = await discover(legacy("v0.26.0\n", server_ls))
    assert state.state == "ok" and {s.name for s in state.enabled} == enabled


async def test_profiles_era_by_version_and_by_the_obsolete_trap() -> None:
    catalog = {"ref": "mcp/docker-mcp-catalog:latest", "title": "Docker MCP Catalog", "servers": [
        {"type": "image", "image": "mcp/duckduckgo@sha256:1", "snapshot": {"server": {
            "name": "duckduckgo", "description": "Web search.", "tools": [
                {"name": "search", "description": "Search.", "arguments": [
                    {"name": "query", "type": "string", "desc": "what"}]}]}}},
        {"type": "image", "image": "mcp/time@sha256:2", "snapshot": {"server": {"name": "time"}}},
    ], "digest": "sha256:abc"}  # fmt: skip
    profile = {"id": "default", "name": "Default Profile", "servers": [
        {"type": "image", "snapshot": {"server": {"name": "time"}}}]}  # fmt: skip
    answers = {
        ("mcp", "catalog", "show", "mcp/docker-mcp-catalog:latest", "--format", "json"):
            (0, json.dumps(catalog), ""),
        ("mcp", "profile", "show", "default", "--format", "json"): (0, json.dumps(profile), ""),
    }  # fmt: skip
    modern = Docker({("mcp", "version"): (0, "v0.42.1\n", ""), **answers})
    state = await discover(modern)
    assert (state.state, state.era) == ("ok", "profiles")
    assert [s.name for s in state.enabled] == ["time"]
    assert ("mcp", "server", "ls", "--json") not in modern.ran
    assert next(s for s in state.servers if s.name == "duckduckgo").tools[0]["inputSchema"][
        "required"
    ] == ["query"]
    flagged = Docker({("mcp", "version"): (0, "v0.40.0\n", ""),
                      ("mcp", "server", "ls", "--json"): (1, "", OBSOLETE), **answers})  # fmt: skip
    assert (await discover(flagged)).era == "profiles"


@pytest.mark.parametrize(
    ("answer", "state", "says"),
    [
        ((1, "", "docker: 'mcp' is not a docker command.\nSee 'docker --help'\n"), "absent",
         "not installed"),
        ((1, "", "docker: unknown command: docker mcp\n\nRun 'docker --help' for more "
                 "information\n"), "absent", "no mcp plugin"),
        ((1, "", "Docker Desktop is not running\n"), "failed", "Docker Desktop is not running"),
    ],
)  # fmt: skip
async def test_no_plugin_or_no_engine_is_a_state_not_an_error(
    answer: tuple[int, str, str], state: str, says: str
) -> None:
    docker = Docker({("mcp", "version"): (0, "v0.40.0\n", ""),
                     ("mcp", "server", "ls", "--json"): answer})  # fmt: skip
    if state == "absent":
        docker.answers[("mcp", "version")] = answer
    found = await discover(docker)
    assert found.state == state and says in found.detail


async def test_a_changed_format_is_a_failure_that_says_so() -> None:
    docker = legacy()
    docker.answers[("mcp", "catalog", "show", "docker-mcp", "--format", "json")] = (
        0, "MCP Server Directory\n  2 servers available\n", "",
    )  # fmt: skip
    found = await discover(docker)
    assert found.state == "failed" and "format" in found.detail
    docker.answers[("mcp", "catalog", "show", "docker-mcp", "--format", "json")] = (0, "[]", "")
    assert "no 'registry'" in (await discover(docker)).detail


def test_enabled_servers_join_the_config_and_the_files_own_server_wins() -> None:
    mine = ServerConfig(name="duckduckgo", transport="stdio", command="my-ddg")
    config = Config(path=Path("c.json"), servers={"duckduckgo": mine})
    state = DockerState("ok", servers=(
        DockerServer("duckduckgo", enabled=True), DockerServer("time", enabled=True),
        DockerServer("notion", enabled=False),
    ))  # fmt: skip
    merged = with_docker(config, state)
    assert merged.servers["duckduckgo"] is mine
    assert merged.servers["time"].source == "docker"
    assert merged.servers["time"].args == (
        "mcp", "gateway", "run", "--servers", "time", "--long-lived",
    )  # fmt: skip
    assert "notion" not in merged.servers


async def test_an_enabled_server_without_its_docker_secrets_says_which_to_set() -> None:
    catalog = {"registry": {"github-official": {
        "type": "server", "description": "GitHub.", "remote": {},
        "secrets": [{"name": "github.personal_access_token", "env": "GITHUB_TOKEN"}],
    }}}  # fmt: skip
    docker = legacy(server_ls='[{"name":"github-official","secrets":"required"}]')
    docker.answers[("mcp", "catalog", "show", "docker-mcp", "--format", "json")] = (
        0, json.dumps(catalog), "",
    )  # fmt: skip
    state = await discover(docker)
    (server,) = state.enabled
    assert "docker mcp secret set github.personal_access_token=VALUE" in server.needs
    merged = with_docker(Config(path=Path("c.json"), servers={}), state)
    assert merged.servers["github-official"].needs == server.needs
    done = legacy(server_ls='[{"name":"github-official","secrets":"done"}]')
    done.answers[("mcp", "catalog", "show", "docker-mcp", "--format", "json")] = (
        0, json.dumps(catalog), "",
    )  # fmt: skip
    assert (await discover(done)).enabled[0].needs == ""
