"""The Docker MCP Toolkit as a source of servers (`docker mcp ...`, both CLI eras).

Discovery starts no container: it reads the catalog (`catalog show`), the enabled servers
(legacy `server ls --json`; profiles era `profile show default`) and, in the legacy era
(whose catalog has tool names only), the tool definitions (`server inspect`, which reads
the catalog's tool lists; cached across looks, so each is read once). Every catalog
server lands in mcpod's catalog and search; each enabled one
becomes an upstream that runs as ONE warm, shared `docker mcp gateway run --servers NAME
--long-lived` over stdio, instead of a gateway per client.

Every command has a deadline; output is parsed leniently (extra keys, both JSON shapes of
`catalog show`, the missing trailing newlines). When Docker is absent, stopped, or its
CLI fails or changes format, the state says so (`mcpod status`) and mcpod goes on with
its other sources.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import shutil
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import anyio

from mcpod.config import Config, ServerConfig

log = logging.getLogger(__name__)

COMMAND_TIMEOUT_S = 30.0
INSPECT_CONCURRENCY = 4
PROFILES_SINCE = (0, 42)  # v0.42.0 always runs the profiles tree
DOCKER_CATALOG = "docker-mcp"
OCI_CATALOG = "mcp/docker-mcp-catalog:latest"
DEFAULT_PROFILE = "default"
_VERSION = re.compile(r"v?(\d+)\.(\d+)(?:\.(\d+))?")

Run = Callable[[Sequence[str]], Awaitable[tuple[int, str, str]]]
# `server inspect` answers kept across looks: (server, its catalog tool names) -> tools
InspectCache = dict[tuple[str, tuple[str, ...]], tuple[dict[str, Any], ...]]


@dataclass(frozen=True)
class DockerServer:
    name: str
    title: str = ""
    description: str = ""
    category: str = ""
    secrets: tuple[str, ...] = ()  # the env names of its secrets
    tools: tuple[dict[str, Any], ...] = ()  # MCP tool definitions (inputSchema)
    enabled: bool = False
    secret_names: tuple[str, ...] = ()  # Docker's own names ("github.personal_access_token")
    secrets_state: str = ""  # from `server ls --json`: none | required | partial | done

    @property
    def needs(self) -> str:
        """Why its gateway cannot serve it yet ("" when nothing is missing)."""
        if self.secrets_state != "required":
            return ""
        names = ", ".join(self.secret_names) or "its secrets"
        first = self.secret_names[0] if self.secret_names else "NAME"
        return (f"needs Docker secret {names}: set it with `docker mcp secret set "
                f"{first}=VALUE` (Docker's secret store)")  # fmt: skip


@dataclass(frozen=True)
class DockerState:
    state: str  # "ok" | "absent" | "failed" | "unknown" (not looked yet)
    detail: str = ""
    era: str | None = None  # "legacy" | "profiles"
    version: str | None = None
    servers: tuple[DockerServer, ...] = field(default=())

    @property
    def enabled(self) -> list[DockerServer]:
        return [s for s in self.servers if s.enabled]


class DockerProblem(Exception):
    """Docker cannot be used as a source; the message says why."""


async def discover(
    run: Run | None = None, cache: InspectCache | None = None, *, every_tool: bool = True
) -> DockerState:
    """What the Docker MCP Toolkit offers now (never raises: trouble is a state).

    `every_tool` False reads the tool definitions of the enabled servers only (quick: for
    the first look, so that they are usable at once).
    """
    docker = shutil.which("docker")
    if docker is None and run is None:
        return DockerState("absent", "docker is not on PATH")
    runner = run or _runner(docker or "docker")
    try:
        return await _discover(runner, {} if cache is None else cache, every_tool)
    except DockerProblem as exc:
        return DockerState(_kind(str(exc)), str(exc))
    except Exception as exc:  # a format we did not foresee: a state, never a crash
        log.exception("reading the Docker MCP Toolkit failed")
        return DockerState("failed", f"unexpected output from docker mcp: {exc}")


NO_PLUGIN = ("is not a docker command", "unknown command")  # the two docker CLI wordings


async def _discover(run: Run, cache: InspectCache, every_tool: bool) -> DockerState:
    code, out, err = await run(["mcp", "version"])
    if code != 0 and any(marker in err for marker in NO_PLUGIN):
        raise DockerProblem(
            f"the Docker MCP Toolkit is not installed (docker has no mcp plugin: "
            f"{_first_line(err)!r})"
        )
    if code != 0:
        raise DockerProblem(_first_line(err) or f"docker mcp version exited {code}")
    version = out.strip()
    found = _VERSION.search(version)
    profiles = bool(found) and tuple(map(int, found.groups()[:2])) >= PROFILES_SINCE  # type: ignore[union-attr]
    enabled: dict[str, str] = {}
    if not profiles:
        code, out, err = await run(["mcp", "server", "ls", "--json"])
        if code != 0 and "obsolete" in err:  # v0.38-v0.41 with the profiles feature on
            profiles = True
        elif code != 0:
            raise DockerProblem(_first_line(err) or f"docker mcp server ls exited {code}")
        else:
            enabled = _enabled_names(out)
    era = "profiles" if profiles else "legacy"
    servers = await (_profiles(run) if profiles else _legacy(run, enabled, cache, every_tool))
    count = sum(s.enabled for s in servers)
    detail = f"{len(servers)} servers in the catalog, {count} enabled"
    return DockerState("ok", detail, era, version, tuple(servers))


async def _legacy(
    run: Run, enabled: dict[str, str], cache: InspectCache, every_tool: bool
) -> list[DockerServer]:
    catalog = _json(await _checked(run, ["mcp", "catalog", "show", DOCKER_CATALOG,
                                         "--format", "json"]), "catalog show")  # fmt: skip
    registry = catalog.get("registry") if isinstance(catalog, dict) else None
    if not isinstance(registry, dict):
        raise DockerProblem(
            "docker mcp catalog show: no 'registry' in its output (format changed?)"
        )
    servers = {name: _server(name, entry, name in enabled, enabled.get(name, ""))
               for name, entry in registry.items()
               if isinstance(entry, dict)}  # fmt: skip
    limiter = anyio.CapacityLimiter(INSPECT_CONCURRENCY)

    def key(server: DockerServer) -> tuple[str, tuple[str, ...]]:
        return server.name, tuple(t["name"] for t in server.tools)

    async def inspect(server: DockerServer) -> None:
        async with limiter:
            code, out, err = await run(["mcp", "server", "inspect", server.name])
        if code == 0:
            tools = _json(out, f"server inspect {server.name}").get("tools")
            cache[key(server)] = tuple(_tool(t) for t in tools or () if isinstance(t, dict))
        else:
            log.info("docker mcp server inspect %s: %s", server.name, _first_line(err))

    # The enabled servers always; the others when their catalog lists tools.
    wanted = [s for s in servers.values()
              if (s.enabled or (every_tool and s.tools)) and key(s) not in cache]  # fmt: skip
    async with anyio.create_task_group() as tg:
        for server in sorted(wanted, key=lambda s: (not s.enabled, s.name)):
            tg.start_soon(inspect, server)
    for name, server in servers.items():
        if key(server) in cache:
            servers[name] = _with_tools(server, cache[key(server)])
    return sorted(servers.values(), key=lambda s: s.name)


async def _profiles(run: Run) -> list[DockerServer]:
    catalog = _json(await _checked(run, ["mcp", "catalog", "show", OCI_CATALOG,
                                         "--format", "json"]), "catalog show")  # fmt: skip
    entries = catalog.get("servers") if isinstance(catalog, dict) else None
    if not isinstance(entries, list):
        raise DockerProblem(
            f"docker mcp catalog show {OCI_CATALOG}: no 'servers' list (format changed?)"
        )
    code, out, err = await run(["mcp", "profile", "show", DEFAULT_PROFILE, "--format", "json"])
    enabled = _profile_servers(out) if code == 0 else set()
    if code != 0:
        log.info("docker mcp profile show %s: %s", DEFAULT_PROFILE, _first_line(err))
    servers = []
    for item in entries:
        snapshot = item.get("snapshot") if isinstance(item, dict) else None
        server = snapshot.get("server") if isinstance(snapshot, dict) else None
        if isinstance(server, dict) and isinstance(server.get("name"), str):
            servers.append(_server(server["name"], server, server["name"] in enabled))
    return sorted(servers, key=lambda s: s.name)


# -- reading the formats ------------------------------------------------------------------


def _enabled_names(out: str) -> dict[str, str]:
    """`server ls --json`: null, ["a", ...] (<= v0.26) or [{"name": "a", "secrets":
    "required", ...}, ...]; the enabled names and the state of their secrets ("" unknown)."""
    value = _json(out, "server ls --json") if out.strip() else None
    if value is None:
        return {}
    if not isinstance(value, list):
        raise DockerProblem("docker mcp server ls --json: not a list (format changed?)")
    enabled: dict[str, str] = {}
    for item in value:
        if isinstance(item, str):
            enabled[item] = ""
        elif isinstance(item, dict) and isinstance(item.get("name"), str):
            state = item.get("secrets")
            enabled[item["name"]] = state if isinstance(state, str) else ""
    return enabled


def _profile_servers(out: str) -> set[str]:
    """The server names of a profile, wherever its JSON keeps them."""
    value = _json(out, "profile show")
    servers = value.get("servers") if isinstance(value, dict) else None
    names: set[str] = set()
    for item in servers if isinstance(servers, list) else ():
        if isinstance(item, str):
            names.add(item)
        elif isinstance(item, dict):
            snapshot = item.get("snapshot")
            inner = snapshot.get("server") if isinstance(snapshot, dict) else None
            name = item.get("name") or (inner.get("name") if isinstance(inner, dict) else None)
            if isinstance(name, str):
                names.add(name)
    return names


def _server(
    name: str, entry: dict[str, Any], enabled: bool, secrets_state: str = ""
) -> DockerServer:
    metadata = entry.get("metadata")
    category = metadata.get("category") if isinstance(metadata, dict) else ""
    declared = [s for s in entry.get("secrets") or () if isinstance(s, dict)]
    secrets = tuple(str(s["env"]) for s in declared if s.get("env"))
    names = tuple(str(s["name"]) for s in declared if s.get("name"))
    tools = tuple(
        _tool(t) for t in entry.get("tools") or () if isinstance(t, dict) and t.get("name")
    )
    return DockerServer(
        name=name,
        title=_text(entry.get("title")),
        description=_text(entry.get("description")),
        category=_text(category),
        secrets=secrets,
        tools=tools,
        enabled=enabled,
        secret_names=names,
        secrets_state=secrets_state,
    )


def _with_tools(server: DockerServer, tools: tuple[dict[str, Any], ...]) -> DockerServer:
    return dataclasses.replace(server, tools=tools or server.tools)


def _tool(raw: dict[str, Any]) -> dict[str, Any]:
    """A catalog tool (toolsUrl format: `arguments` [{name, type, desc, optional}]) as an
    MCP tool definition with an `inputSchema`."""
    tool: dict[str, Any] = {"name": str(raw["name"]), "description": _text(raw.get("description"))}
    schema = raw.get("inputSchema")
    if not isinstance(schema, dict):
        properties: dict[str, Any] = {}
        required = []
        for argument in raw.get("arguments") or ():
            if not isinstance(argument, dict) or not isinstance(argument.get("name"), str):
                continue
            prop: dict[str, Any] = {"type": _text(argument.get("type")) or "string"}
            if argument.get("desc"):
                prop["description"] = _text(argument["desc"])
            if isinstance(argument.get("items"), dict):
                prop["items"] = argument["items"]
            properties[argument["name"]] = prop
            if not argument.get("optional"):
                required.append(argument["name"])
        schema = {"type": "object", "properties": properties}
        if required:
            schema["required"] = required
    tool["inputSchema"] = schema
    if isinstance(raw.get("annotations"), dict):
        tool["annotations"] = raw["annotations"]
    return tool


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _json(out: str, what: str) -> Any:
    try:
        return json.loads(out)
    except ValueError:
        shown = _first_line(out)[:80]
        raise DockerProblem(
            f"docker mcp {what} printed something that is not JSON ({shown!r}): "
            "the Docker MCP CLI may have changed its format"
        ) from None


# -- running docker -------------------------------------------------------------------------


def _runner(docker: str) -> Run:
    async def run(args: Sequence[str]) -> tuple[int, str, str]:
        try:
            with anyio.fail_after(COMMAND_TIMEOUT_S):
                done = await anyio.run_process([docker, *args], check=False)
        except TimeoutError:
            raise DockerProblem(
                f"docker {' '.join(args)} did not finish within {COMMAND_TIMEOUT_S:.0f} s"
            ) from None
        except OSError as exc:
            raise DockerProblem(f"cannot run {docker}: {exc.strerror}") from None
        return (done.returncode, done.stdout.decode(errors="replace"),
                done.stderr.decode(errors="replace"))  # fmt: skip

    return run


async def _checked(run: Run, args: list[str]) -> str:
    code, out, err = await run(args)
    if code != 0:
        raise DockerProblem(_first_line(err) or _first_line(out) or
                            f"docker {' '.join(args)} exited {code}")  # fmt: skip
    return out


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def _kind(message: str) -> str:
    """`absent` when there is no Toolkit to use; `failed` when it is there but failing."""
    absent = ("not installed", "not on PATH", "cannot run")
    return "absent" if any(a in message for a in absent) else "failed"


# -- what the rest of the daemon sees ----------------------------------------------------------


def gateway_server(server: DockerServer, docker: str) -> ServerConfig:
    """An enabled Docker server as an upstream: one long-lived gateway for it alone."""
    return ServerConfig(
        name=server.name,
        transport="stdio",
        command=docker,
        args=("mcp", "gateway", "run", "--servers", server.name, "--long-lived"),
        title=server.title,
        description=server.description,
        category=server.category,
        source="docker",
        needs=server.needs,
    )


def with_docker(config: Config, state: DockerState) -> Config:
    """`config` plus the enabled Docker servers (a server of the config file of the same
    name wins: the user wrote it)."""
    docker = shutil.which("docker") or "docker"
    extra = {
        s.name: gateway_server(s, docker) for s in state.enabled if s.name not in config.servers
    }
    if not extra:
        return config
    import msgspec

    return msgspec.structs.replace(config, servers={**config.servers, **extra})
