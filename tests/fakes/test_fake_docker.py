"""Tests of the fake `docker mcp` itself: formats, exit codes, traps and the stdio gateway.

Expected strings are the literal examples of /work/shared/reference/DOCKER_MCP_CLI.md (section
numbers in the test names' docstrings), so a drift of the double from the reference shows here.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.docker.dockermcp.root import DAEMON_DOWN
from tests.fakes.docker.fixture import install_fake_docker, read_calls

Run = Callable[..., subprocess.CompletedProcess[str]]


class Fake:
    """One installed double: its environment and a `docker ...` runner."""

    def __init__(self, tmp_path: Path, era: str, version: str | None, **kw: Any) -> None:
        self.home = tmp_path / "docker-home"
        self.env = install_fake_docker(tmp_path / "bin", self.home, era, version, **kw)
        self.full_env = {**os.environ, **self.env}
        self.full_env.pop("FAKE_DOCKER_FAIL", None)

    def __call__(
        self, *args: str, stdin: str = "", **extra_env: str
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["docker", *args],
            input=stdin,
            capture_output=True,
            text=True,
            env={**self.full_env, **extra_env},
            timeout=60,
        )

    def calls(self) -> list[dict[str, Any]]:
        return read_calls(self.env["FAKE_DOCKER_CALLS"])

    def gateway(self, *args: str, **extra_env: str) -> GatewayProc:
        return GatewayProc(
            ["docker", "mcp", "gateway", "run", *args], {**self.full_env, **extra_env}
        )


class GatewayProc:
    """A `docker mcp gateway run` child spoken to in newline-delimited JSON-RPC."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.next_id = 0

    def send(self, message: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(message) + "\n")
        self.proc.stdin.flush()

    def read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        assert line, f"gateway closed stdout; stderr: {self.close()[1]}"
        return dict(json.loads(line))  # every stdout line must be JSON

    def request(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params or {}})
        while True:
            message = self.read()
            if message.get("id") == self.next_id:
                return message

    def initialize(self, version: str = "2025-06-18") -> dict[str, Any]:
        reply = self.request(
            "initialize",
            {
                "protocolVersion": version,
                "capabilities": {},
                "clientInfo": {"name": "t", "version": "1"},
            },
        )
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        return reply

    def close(self) -> tuple[str, str]:
        out, err = self.proc.communicate(timeout=30)
        return out, err


@pytest.fixture
def legacy(tmp_path: Path) -> Fake:
    return Fake(tmp_path, "legacy", None)


@pytest.fixture
def profiles(tmp_path: Path) -> Fake:
    return Fake(tmp_path, "profiles", None)


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


# ------------------------------------------------------------------------------ version


def test_version_per_era(tmp_path: Path) -> None:
    """§1: `version`, `--version` and `-v` print the version and a newline."""
    assert ok(Fake(tmp_path / "a", "legacy", None)("mcp", "version")) == "v0.40.0\n"
    fake = Fake(tmp_path / "b", "profiles", None)
    assert ok(fake("mcp", "version")) == "v0.42.1\n"
    assert ok(fake("mcp", "--version")) == "v0.42.1\n"
    assert ok(Fake(tmp_path / "c", "legacy", "v0.27.3")("mcp", "-v")) == "v0.27.3\n"


# ----------------------------------------------------------------------- legacy: server


def test_server_ls_json_legacy_shape(legacy: Fake) -> None:
    """§4.1: compact JSON, no trailing newline, `null` when nothing is enabled."""
    assert ok(legacy("mcp", "server", "ls", "--json")) == "null"
    enabled = ok(legacy("mcp", "server", "enable", "duckduckgo", "github-official"))
    assert enabled == (
        "Tip: ✓ Server enabled. To view all enabled servers, use docker mcp server ls\n\n"
    )
    out = ok(legacy("mcp", "server", "ls", "--json"))
    assert not out.endswith("\n")
    assert out.startswith('[{"name":"duckduckgo","description":')
    entries = json.loads(out)
    assert [list(e) for e in entries] == [["name", "description", "secrets", "config", "oauth"]] * 2
    github = entries[1]
    assert (github["name"], github["secrets"], github["oauth"]) == (
        "github-official",
        "required",
        "required",
    )
    assert (legacy.home / ".docker/mcp/registry.yaml").read_text() == (
        'registry:\n  duckduckgo:\n    ref: ""\n  github-official:\n    ref: ""\n'
    )


def test_server_ls_text_table(legacy: Fake) -> None:
    """§4.1: the 120-column table with 118 dashes and status glyphs, Tip on stdout."""
    assert ok(legacy("mcp", "server", "ls")) == "No server is enabled\n"
    ok(legacy("mcp", "secret", "set", "github.personal_access_token=x"))
    ok(legacy("mcp", "server", "enable", "duckduckgo", "github-official"))
    lines = ok(legacy("mcp", "server", "ls")).split("\n")
    assert lines[:3] == ["", "MCP Servers (2 enabled)", ""]
    assert (
        lines[3] == f"{'NAME':<27} {'OAUTH':<13} {'SECRETS':<13} {'CONFIG':<13} {'DESCRIPTION':<48}"
    )
    assert lines[4] == "-" * 118
    assert lines[5].startswith("duckduckgo                  -             -             -  ")
    assert lines[6].startswith("github-official             ▲ required    ✓ done        -  ")
    assert lines[6].endswith("Official GitHub MCP Server, by GitHub. Provid...")
    assert lines[7:] == [
        "",
        "Tip: To use these servers, connect to a client (IE: claude/cursor) with "
        "docker mcp client connect <client-name>",
        "",
        "",
    ]


def test_enable_unknown_and_wrong_args(legacy: Fake) -> None:
    """§4.2 and §1: bare error messages on stderr, exit 1, nothing written."""
    result = legacy("mcp", "server", "enable", "nosuch")
    assert (result.returncode, result.stdout, result.stderr) == (
        1,
        "",
        "server nosuch not found in catalog\n",
    )
    assert not (legacy.home / ".docker/mcp/registry.yaml").exists()
    result = legacy("mcp", "server", "inspect")
    assert (result.returncode, result.stderr) == (1, "accepts 1 arg(s), received 0\n")


def test_server_ls_json_before_v0_27(tmp_path: Path) -> None:
    """§4.1 "≤ v0.26": a JSON array of names."""
    fake = Fake(tmp_path, "legacy", "v0.26.0", enabled_servers=["duckduckgo", "fetch"])
    assert ok(fake("mcp", "server", "ls", "--json")) == '["duckduckgo","fetch"]'


def test_server_inspect_matches_reference(legacy: Fake) -> None:
    """§4.3: MarshalIndent without trailing newline; the reference's duckduckgo tools."""
    out = ok(legacy("mcp", "server", "inspect", "duckduckgo"))
    assert out.startswith('{\n  "tools": [\n    {\n      "name": "fetch_content",')
    assert not out.endswith("\n")
    info = json.loads(out)
    assert list(info) == ["tools", "readme"]
    assert info["tools"][1] == {
        "name": "search",
        "description": "Search DuckDuckGo and return formatted results.",
        "arguments": [
            {"name": "query", "type": "string", "desc": "The search query string"},
            {
                "name": "max_results",
                "type": "integer",
                "desc": "Maximum number of results to return (default: 10)",
            },
        ],
        "enabled": True,
    }
    assert info["readme"].startswith("# DuckDuckGo MCP Server")
    result = legacy("mcp", "server", "inspect", "nosuch")
    assert (result.returncode, result.stderr) == (1, 'server "nosuch" not found in catalog\n')


# ---------------------------------------------------------------------- legacy: catalog


def test_catalog_ls_legacy(legacy: Fake) -> None:
    """§4.4 `catalog ls`: text with Tip; compact JSON; bad --format is a flag error (125)."""
    assert ok(legacy("mcp", "catalog", "ls")) == (
        "docker-mcp: Docker MCP Catalog\n"
        "Tip: To browse a catalog's servers, use docker mcp catalog show <catalog-name>\n"
    )
    out = ok(legacy("mcp", "catalog", "ls", "--format", "json"))
    assert re.fullmatch(
        r'\{"catalogs":\{"docker-mcp":\{"displayName":"Docker MCP Catalog",'
        r'"url":"https://desktop.docker.com/mcp/catalog/v2/catalog.yaml",'
        r'"lastUpdate":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)"\}\}\}\n',
        out,
    )
    result = legacy("mcp", "catalog", "ls", "--format", "x")
    assert (result.returncode, result.stderr) == (
        125,
        'invalid argument "x" for "--format" flag: must be one of "json", "yaml"\n'
        "See 'docker mcp catalog ls --help'.\n",
    )


def test_catalog_show_json_v038_struct_shape(legacy: Fake) -> None:
    """§4.4: indented, `version` dropped, registry sorted, Go struct fields always present."""
    out = ok(legacy("mcp", "catalog", "show", "--format", "json"))
    assert out.startswith('{\n  "name": "docker-mcp",\n  "displayName": "Docker MCP Catalog",\n')
    assert out.endswith("}\n")
    assert "\\u0026" in out and "&" not in out  # encoding/json HTML escaping
    doc = json.loads(out)
    assert list(doc) == ["name", "displayName", "registry"]
    assert list(doc["registry"]) == sorted(doc["registry"])
    assert len(doc["registry"]) == 328
    ddg = doc["registry"]["duckduckgo"]
    assert list(ddg)[:3] == ["type", "image", "description"]
    assert ddg["remote"] == {} and "toolsUrl" not in ddg and "ref" not in ddg
    assert ddg["tools"][0] == {
        "name": "fetch_content",
        "description": "",
        "container": {"image": "", "command": None, "volumes": None},
        "parameters": {"type": "", "properties": None, "required": None},
    }
    assert doc["registry"]["github-official"]["secrets"] == [
        {"name": "github.personal_access_token", "env": "GITHUB_PERSONAL_ACCESS_TOKEN"}
    ]
    assert ok(legacy("mcp", "catalog", "show", "docker-mcp", "--format", "json")) == out
    result = legacy("mcp", "catalog", "show", "nosuch")
    assert (result.returncode, result.stderr) == (1, 'catalog "nosuch" not found\n')


def test_catalog_show_before_v038_is_raw_compact(tmp_path: Path) -> None:
    """§4.4 "≤ v0.37": one compact line of the raw file, `version` and `toolsUrl` kept."""
    out = ok(Fake(tmp_path, "legacy", "v0.37.0")("mcp", "catalog", "show", "--format=json"))
    assert out.startswith('{"version":2,"name":"docker-mcp","displayName":"Docker MCP Catalog",')
    assert out.count("\n") == 1
    assert json.loads(out)["registry"]["duckduckgo"]["toolsUrl"].endswith("duckduckgo.json")


def test_catalog_show_text_and_update(legacy: Fake) -> None:
    """§4.4: bold escapes even without a TTY, no space before ESC[0m, 78-wide rules."""
    out = ok(legacy("mcp", "catalog", "show"))
    assert out.startswith(
        "\n  \x1b[1mMCP Server Directory\x1b[0m\n  328 servers available\n  " + "─" * 78 + "\n\n"
    )
    assert "  \x1b[1mduckduckgo\x1b[0m\n    " in out
    assert out.endswith(
        "  328 servers total\n\nTip: To view server details, use docker mcp server inspect "
        "<server-name>. To add servers, use docker mcp server enable <server-name>\n"
    )
    assert ok(legacy("mcp", "catalog", "update")) == "updated: docker-mcp\n"


def test_config_read_write(legacy: Fake) -> None:
    """§4.6: `config read` prints the file verbatim; `write` takes exactly one argument."""
    assert ok(legacy("mcp", "config", "read")) == ""
    ok(legacy("mcp", "config", "write", "duckduckgo:\n  x: 1"))
    assert ok(legacy("mcp", "config", "read")) == "duckduckgo:\n  x: 1"


# ------------------------------------------------------------------- flags and traps (§1)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("tools", "list", "--server", "x"),
            "unknown flag: --server\nSee 'docker mcp tools ls --help'.",
        ),
        (
            ("tools", "ls", "--count-only"),
            "unknown flag: --count-only\nSee 'docker mcp tools ls --help'.",
        ),
        (
            ("server", "ls", "--names-only"),
            "unknown flag: --names-only\nSee 'docker mcp server ls --help'.",
        ),
    ],
)
def test_unknown_flags_exit_125(legacy: Fake, args: tuple[str, ...], message: str) -> None:
    result = legacy("mcp", *args)
    assert (result.returncode, result.stdout, result.stderr) == (125, "", message + "\n")
    assert not [c for c in legacy.calls() if "container_start" in c]


def test_unknown_subcommand_under_group_prints_help(legacy: Fake, profiles: Fake) -> None:
    """§1 / §3: `catalog update` in profiles mode is help on stdout with exit 0."""
    out = ok(profiles("mcp", "catalog", "update"))
    assert out.startswith("Docker MCP Toolkit's CLI - Manage your MCP servers and clients.\n")
    assert "Usage: docker mcp catalog [flags]" in out and "  pull " in out
    assert ok(legacy("mcp", "server", "frobnicate")).startswith("Docker MCP Toolkit's CLI")
    result = legacy("mcp", "frobnicate")
    assert (result.returncode, result.stderr) == (
        1,
        'unknown command "frobnicate" for "docker mcp"\n',
    )


@pytest.mark.parametrize(
    ("args", "hint"),
    [
        (("server", "ls", "--json"), "docker mcp profile server ls --help"),
        (("server", "enable", "duckduckgo"), "docker mcp profile server add --help"),
        (("server", "disable", "x"), "docker mcp profile server remove --help"),
        (("server", "inspect", "x"), "docker mcp profile server inspect --help"),
        (("server", "reset"), "docker mcp profile server --help"),
        (("tools", "enable", "search"), "docker mcp profile tools --help"),
        (("config", "read"), "docker mcp profile config --help"),
    ],
)
def test_profiles_era_obsolete_commands(profiles: Fake, args: tuple[str, ...], hint: str) -> None:
    """§0: the legacy commands are stubs that ignore flags and exit 1."""
    result = profiles("mcp", *args)
    assert (result.returncode, result.stdout, result.stderr) == (
        1,
        "",
        f"This command is obsolete. See `{hint}` instead.\n",
    )


def test_legacy_has_no_profile_flag(legacy: Fake) -> None:
    result = legacy("mcp", "gateway", "run", "--profile", "x")
    assert result.returncode == 125
    assert result.stderr == "unknown flag: --profile\nSee 'docker mcp gateway run --help'.\n"


# --------------------------------------------------------------------------- tools (§4.5)


def test_tools_ls_count_and_inspect(legacy: Fake) -> None:
    ok(legacy("mcp", "server", "enable", "duckduckgo"))
    assert ok(legacy("mcp", "tools", "count", "--format", "json")) == '{"count": 8}\n'
    assert ok(legacy("mcp", "tools", "count")) == (
        "8 tools\nTip: To see all available tools, use docker mcp tools ls\n\n"
    )
    scoped = ("--gateway-arg=--servers=duckduckgo",)
    lines = ok(legacy("mcp", "tools", "ls", *scoped)).split("\n")
    assert lines[:3] == [
        "2 tools:",
        " - fetch_content - Fetch and parse content from a webpage URL.",
        " - search - Search DuckDuckGo and return formatted results.",
    ]
    assert lines[3].startswith("Tip: For tool details, use docker mcp tools inspect <tool-name>.")
    tools = json.loads(ok(legacy("mcp", "tools", "ls", "--format", "json", *scoped)))
    assert [t["name"] for t in tools] == ["fetch_content", "search"]
    assert list(tools[1]) == ["description", "inputSchema", "name"]
    assert tools[1]["inputSchema"] == {
        "properties": {
            "max_results": {
                "description": "Maximum number of results to return (default: 10)",
                "type": "integer",
            },
            "query": {"description": "The search query string", "type": "string"},
        },
        "required": ["query"],
        "type": "object",
    }
    assert ok(legacy("mcp", "tools", "inspect", "search", *scoped)) == (
        "Name: search\nDescription: Search DuckDuckGo and return formatted results.\n"
        "Input schema: Complex schema (detailed inspection not yet implemented)\n"
    )
    result = legacy("mcp", "tools", "inspect", "nosuch", *scoped)
    assert (result.returncode, result.stderr) == (1, "tool nosuch not found\n")


def test_tools_call_formats(legacy: Fake) -> None:
    """§4.5: `Tool call took:` first, k=v values are strings, repeats become arrays."""
    scoped = "--gateway-arg=--servers=duckduckgo"
    out = ok(
        legacy(
            "mcp",
            "tools",
            "call",
            scoped,
            "search",
            "query=hi",
            "max_results=5",
            "t=a",
            "t=b",
            "flag",
        )
    )
    took, text, end = out.split("\n")
    assert re.fullmatch(r"Tool call took: [0-9.]+(ns|µs|ms|s)", took) and end == ""
    assert json.loads(text) == {
        "arguments": {"flag": None, "max_results": "5", "query": "hi", "t": ["a", "b"]},
        "server": "duckduckgo",
        "tool": "search",
    }
    result = legacy("mcp", "tools", "call", scoped, "nosuch")
    assert (result.returncode, result.stderr) == (
        1,
        'calling tool: calling "tools/call": unknown tool "nosuch"\n',
    )
    result = legacy("mcp", "tools", "call", scoped, "search", "__fake_error__=boom")
    assert result.returncode == 1 and result.stdout.startswith("Tool call took: ")
    assert result.stderr == "error calling tool search: boom\n"


def test_discovery_starts_no_container_but_tools_ls_does(legacy: Fake) -> None:
    """The observability log: catalog/server commands never start containers."""
    ok(legacy("mcp", "server", "enable", "duckduckgo"))
    ok(legacy("mcp", "catalog", "show", "--format", "json"))
    ok(legacy("mcp", "server", "inspect", "duckduckgo"))
    ok(legacy("mcp", "server", "ls", "--json"))
    calls = legacy.calls()
    assert [c["argv"][:2] for c in calls] == [["mcp", "server"], ["mcp", "catalog"]] + [
        ["mcp", "server"]
    ] * 2
    assert all({"argv", "pid", "time"} <= set(c) for c in calls)
    ok(legacy("mcp", "tools", "ls"))
    calls = legacy.calls()[4:]
    gateways = [c for c in calls if c.get("argv", [])[:3] == ["mcp", "gateway", "run"]]
    assert len(gateways) == 1
    starts = [c for c in calls if "container_start" in c]
    assert starts == [{**starts[0], "container_start": ["duckduckgo"], "reason": "list-tools"}]
    assert starts[0]["pid"] == gateways[0]["pid"]
    assert [c["gateway"] for c in calls if "gateway" in c] == ["start", "stop"]


# -------------------------------------------------------------------------- secrets (§4.7)


def test_secrets(legacy: Fake) -> None:
    assert ok(legacy("mcp", "secret", "ls", "--json")) == "[]\n"
    assert ok(legacy("mcp", "secret", "ls")) == ""
    ok(legacy("mcp", "secret", "set", "github.personal_access_token=ghp_x"))
    ok(legacy("mcp", "secret", "set", "clickhouse.password", stdin="pw\n"))
    listed = json.loads(ok(legacy("mcp", "secret", "ls", "--json")))
    assert [s["name"] for s in listed] == ["clickhouse.password", "github.personal_access_token"]
    assert ok(legacy("mcp", "secret", "ls")) == (  # no header, `" | "`, padded columns
        "docker/mcp/clickhouse.password          | docker-pass\n"
        "docker/mcp/github.personal_access_token | docker-pass\n"
    )
    ok(legacy("mcp", "secret", "rm", "clickhouse.password"))
    result = legacy("mcp", "secret", "rm")
    assert result.stderr == "either provide a secret name or use --all to remove all secrets\n"
    ok(legacy("mcp", "secret", "rm", "--all"))
    assert ok(legacy("mcp", "secret", "ls", "--json")) == "[]\n"


# ------------------------------------------------------------------------- profiles era


def test_profiles_catalog_show_json(profiles: Fake) -> None:
    """§6.3: `catalog show <oci-ref> --format json` is a CatalogWithDigest."""
    out = ok(
        profiles("mcp", "catalog", "show", "mcp/docker-mcp-catalog:latest", "--format", "json")
    )
    doc = json.loads(out)
    assert list(doc) == ["ref", "source", "title", "servers", "digest"]
    assert doc["ref"] == "mcp/docker-mcp-catalog:latest"
    assert doc["source"] == "oci:mcp/docker-mcp-catalog:latest"
    assert doc["title"] == "Docker MCP Catalog"
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", doc["digest"])
    ddg = next(s for s in doc["servers"] if s["snapshot"]["server"]["name"] == "duckduckgo")
    assert (ddg["type"], ddg["image"], list(ddg)) == (
        "image",
        "mcp/duckduckgo",
        ["type", "image", "snapshot"],
    )
    assert ddg["snapshot"]["server"]["tools"][1]["arguments"][0]["name"] == "query"
    remote = next(s for s in doc["servers"] if s["type"] == "remote")
    assert remote["endpoint"].startswith("https://")
    assert (
        ok(profiles("mcp", "catalog", "show", "mcp/docker-mcp-catalog", "--format", "json")) == out
    )
    result = profiles("mcp", "catalog", "show")
    assert (result.returncode, result.stderr) == (1, "accepts 1 arg(s), received 0\n")
    assert ok(profiles("mcp", "catalog", "ls")).startswith(
        "Reference | Digest | Title\nmcp/docker-mcp-catalog:latest\t| sha256:"
    )


def test_profiles_catalog_not_pulled(tmp_path: Path) -> None:
    fake = Fake(tmp_path, "profiles", None)
    fake.full_env["FAKE_DOCKER_MCP_PULL_CATALOG"] = "0"
    result = fake("mcp", "catalog", "show", "mcp/docker-mcp-catalog:latest", "--format", "json")
    assert (result.returncode, result.stderr) == (
        1,
        "catalog mcp/docker-mcp-catalog:latest not found\n",
    )
    assert ok(fake("mcp", "catalog", "pull", "mcp/docker-mcp-catalog:latest")) == (
        "Catalog mcp/docker-mcp-catalog:latest pulled\n"
    )
    ok(fake("mcp", "catalog", "show", "mcp/docker-mcp-catalog:latest"))


def test_profile_lifecycle(profiles: Fake) -> None:
    """Profiles: create, add servers, list them (the JSON a consumer parses)."""
    assert ok(profiles("mcp", "profile", "ls")).startswith("No profiles found. Use `docker mcp")
    assert ok(profiles("mcp", "profile", "ls", "--format", "json")) == "[]\n"
    created = profiles(
        "mcp",
        "profile",
        "create",
        "--name",
        "Dev Tools",
        "--server",
        "catalog://mcp/docker-mcp-catalog/fetch+time",
    )
    assert ok(created) == "Created profile dev_tools with 2 servers\n"
    added = profiles(
        "mcp",
        "profile",
        "server",
        "add",
        "dev_tools",
        "--server",
        "catalog://mcp/docker-mcp-catalog/duckduckgo",
    )
    assert ok(added) == "Added 1 server(s) to profile dev_tools\n"
    bad = profiles(
        "mcp",
        "profile",
        "server",
        "add",
        "dev_tools",
        "--server",
        "catalog://mcp/docker-mcp-catalog/nope",
    )
    assert (bad.returncode, bad.stderr) == (
        1,
        "invalid server value: servers matching the following patterns were not found in "
        "catalog: [nope]\n",
    )
    assert ok(profiles("mcp", "profile", "ls")) == "ID\tName\n----\t----\ndev_tools\tDev Tools\n"
    listed = json.loads(ok(profiles("mcp", "profile", "ls", "--format", "json")))
    assert [list(p) for p in listed] == [["version", "id", "name", "servers", "secrets"]]
    server = listed[0]["servers"][0]
    assert list(server) == ["type", "secrets", "tools", "image", "catalogRef", "snapshot"]
    assert (server["tools"], server["catalogRef"]) == (None, "mcp/docker-mcp-catalog:latest")
    assert [s["snapshot"]["server"]["name"] for s in listed[0]["servers"]] == [
        "fetch",
        "time",
        "duckduckgo",
    ]
    search = json.loads(ok(profiles("mcp", "profile", "server", "ls", "--format", "json")))
    assert [(r["id"], [s["snapshot"]["server"]["name"] for s in r["servers"]]) for r in search] == [
        ("dev_tools", ["duckduckgo", "fetch", "time"])
    ]
    table = ok(profiles("mcp", "profile", "server", "ls", "-f", "name=fe"))
    assert table == "PROFILE   | TYPE  | IDENTIFIER\ndev_tools | image | fetch     \n"
    shown = json.loads(ok(profiles("mcp", "profile", "show", "dev_tools", "--format", "json")))
    assert shown["secrets"] == {"default": {"provider": "docker-desktop-store"}}
    removed = profiles("mcp", "profile", "server", "remove", "dev_tools", "time")
    assert ok(removed) == "Removed 1 server(s) from profile dev_tools\n"
    assert ok(profiles("mcp", "profile", "rm", "dev_tools")) == "Removed profile dev_tools\n"
    missing = profiles("mcp", "profile", "show", "dev_tools")
    assert (missing.returncode, missing.stderr) == (1, "profile dev_tools not found\n")


def test_profiles_default_profile_from_legacy_registry(tmp_path: Path) -> None:
    """§7: profiles mode migrates registry.yaml into profile `default` ("Default Profile")."""
    fake = Fake(tmp_path, "profiles", None, enabled_servers=["duckduckgo"])
    assert ok(fake("mcp", "profile", "ls")) == "ID\tName\n----\t----\ndefault\tDefault Profile\n"
    assert ok(fake("mcp", "tools", "count", "--format", "json")) == '{"count": 10}\n'
    assert ok(fake("mcp", "tools", "ls")).split("\n")[:3] == [
        "10 tools:",
        " - code-mode - Create a JavaScript-enabled tool that combines multiple MCP server tools.",
        " - fetch_content - Fetch and parse content from a webpage URL.",
    ]
    start = next(c for c in fake.calls() if c.get("gateway") == "start")
    assert (start["profile"], start["servers"]) == ("default", ["duckduckgo"])


# ----------------------------------------------------------------------- gateway (§4.9, §5)


@pytest.mark.parametrize("era", ["legacy", "profiles"])
def test_gateway_stdio_protocol(tmp_path: Path, era: str) -> None:
    fake = Fake(tmp_path, era, None)
    gw = fake.gateway("--servers", "duckduckgo,fetch", "--transport", "stdio")
    before = gw.request("tools/list")
    assert before["error"] == {
        "code": 0,
        "message": 'method "tools/list" is invalid during session initialization',
    }
    reply = gw.initialize("2025-03-26")
    assert reply["result"] == {
        "capabilities": {
            "logging": {},
            "prompts": {"listChanged": True},
            "resources": {"listChanged": True, "subscribe": True},
            "tools": {"listChanged": True},
        },
        "protocolVersion": "2025-03-26",
        "serverInfo": {"name": "Docker AI MCP Gateway", "version": "2.0.1"},
    }
    assert gw.request("ping")["result"] == {}
    tools = gw.request("tools/list")["result"]["tools"]
    assert [t["name"] for t in tools] == ["fetch", "fetch_content", "search"]  # no mcp-* tools
    call = gw.request("tools/call", {"name": "search", "arguments": {"query": "x"}})["result"]
    assert call == {
        "content": [
            {
                "type": "text",
                "text": '{"arguments":{"query":"x"},"server":"duckduckgo","tool":"search"}',
            }
        ]
    }
    unknown = gw.request("tools/call", {"name": "nosuch", "arguments": {}})
    assert unknown["error"] == {"code": -32602, "message": 'unknown tool "nosuch"'}
    assert gw.request("frobnicate")["error"]["code"] == -32601
    out, err = gw.close()
    assert out == ""
    assert "- Those servers are enabled: duckduckgo, fetch" in err and "> Start stdio server" in err
    starts = [c for c in fake.calls() if "container_start" in c]
    assert [(c["container_start"], c["reason"]) for c in starts] == [
        (["duckduckgo", "fetch"], "list-tools"),
        (["duckduckgo"], "tools/call"),
    ]


def test_gateway_protocol_negotiation_and_long_lived(legacy: Fake) -> None:
    gw = legacy.gateway("--servers=duckduckgo", "--long-lived")
    assert gw.initialize("1999-01-01")["result"]["protocolVersion"] == "2025-06-18"
    gw.request("tools/call", {"name": "search", "arguments": {}})
    gw.close()
    starts = [c["reason"] for c in legacy.calls() if "container_start" in c]
    assert starts == ["list-tools"]  # long-lived: no container per call


def test_gateway_dynamic_tools_and_mcp_add(legacy: Fake) -> None:
    """Without --servers the internal tools are listed (6 in legacy); mcp-add adds tools."""
    gw = legacy.gateway()
    gw.initialize()
    names = [t["name"] for t in gw.request("tools/list")["result"]["tools"]]
    assert names == ["code-mode", "mcp-add", "mcp-config-set", "mcp-exec", "mcp-find", "mcp-remove"]
    prompts = gw.request("prompts/list")["result"]["prompts"]
    assert [p["name"] for p in prompts] == ["mcp-discover"]
    found = gw.request("tools/call", {"name": "mcp-find", "arguments": {"query": "duckduckgo"}})
    assert json.loads(found["result"]["content"][0]["text"])["servers"][0]["name"] == "duckduckgo"
    gw.next_id += 1
    gw.send(
        {
            "jsonrpc": "2.0",
            "id": gw.next_id,
            "method": "tools/call",
            "params": {"name": "mcp-add", "arguments": {"name": "duckduckgo"}},
        }
    )
    assert gw.read()["method"] == "notifications/tools/list_changed"
    added = gw.read()["result"]["content"][0]["text"]
    assert added.startswith("Successfully added 2 tools in server 'duckduckgo'.")
    names = [t["name"] for t in gw.request("tools/list")["result"]["tools"]]
    assert "search" in names and "fetch_content" in names
    gw.close()


def test_gateway_profiles_era_dynamic_tools_and_missing_profile(profiles: Fake) -> None:
    gw = profiles.gateway()
    gw.initialize()
    names = [t["name"] for t in gw.request("tools/list")["result"]["tools"]]
    assert "mcp-create-profile" in names and "mcp-activate-profile" in names and len(names) == 8
    _, err = gw.close()
    assert "Default profile not found, using empty configuration" in err
    result = profiles("mcp", "gateway", "run", "--profile", "nosuch")
    assert (result.returncode, result.stderr.splitlines()[-1]) == (1, "profile nosuch not found")


def test_gateway_tool_name_collision_is_fatal(legacy: Fake) -> None:
    result = legacy("mcp", "gateway", "run", "--servers", "github,github-official")
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1].startswith(
        'tool name collision: server "github" and server "github-official" both expose tool name'
    )


# --------------------------------------------------------------------------- failure modes


def test_no_plugin(legacy: Fake) -> None:
    """§1: a docker without the mcp plugin."""
    result = legacy("mcp", "version", FAKE_DOCKER_FAIL="no-plugin")
    assert (result.returncode, result.stdout, result.stderr) == (
        1,
        "",
        "docker: 'mcp' is not a docker command.\nSee 'docker --help'\n",
    )
    other = legacy("compose", "ls")
    assert (other.returncode, other.stderr) == (
        1,
        "docker: 'compose' is not a docker command.\nSee 'docker --help'\n",
    )


def test_daemon_down(legacy: Fake) -> None:
    """§1 pre-run checks: every command but `version` asks the engine first."""
    assert ok(legacy("mcp", "version", FAKE_DOCKER_FAIL="daemon-down")) == "v0.40.0\n"
    for args in (("server", "ls", "--json"), ("tools", "ls"), ("gateway", "run")):
        result = legacy("mcp", *args, FAKE_DOCKER_FAIL="daemon-down")
        assert (result.returncode, result.stdout, result.stderr) == (1, "", DAEMON_DOWN + "\n")
    assert "Cannot connect to the Docker daemon at unix:///var/run/docker.sock." in DAEMON_DOWN


@pytest.mark.parametrize("mode", ["garbage", "garbage-json"])
def test_garbage_output(profiles: Fake, mode: str) -> None:
    for args in (
        ("catalog", "show", "mcp/docker-mcp-catalog:latest", "--format", "json"),
        ("profile", "ls", "--format", "json"),
    ):
        out = ok(profiles("mcp", *args, FAKE_DOCKER_FAIL=mode))
        if mode == "garbage":
            with pytest.raises(json.JSONDecodeError):
                json.loads(out)
        else:
            assert isinstance(json.loads(out), dict) and "servers" not in json.loads(out)
