"""`docker mcp gateway run`: a stdio MCP server (newline-delimited JSON-RPC), reference §4.9, §5.

What it models:
- server selection: `--servers` (dynamic tools off), `--enable-all-servers`, `registry.yaml`
  (legacy) or a profile (`--profile`, default `default`; profiles era);
- tools: each server's data/tools definitions (`arguments` converted to `inputSchema`), unprefixed
  unless the catalog has `prefix` (then `P__tool`), filtered by `tools.yaml` / profile tools /
  `--tools`, sorted by name; a name shared by two servers is a fatal error;
- the internal dynamic tools (`mcp-find`, `mcp-add`, ...) unless `--servers` is given;
- `tools/call` answers with one text content echoing the tool, server and arguments as JSON;
- containers: every non-remote server is "started" to list its tools, and again for each call
  unless `--long-lived`; each start is an event line in `FAKE_DOCKER_CALLS`.

Stdout carries only JSON-RPC; logs go to stderr.
"""

from __future__ import annotations

import json
import signal
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from . import catalog, db, state
from .cli import CliError, Invocation, NotImplementedByFake
from .env import Env

SERVER_INFO = {"name": "Docker AI MCP Gateway", "version": "2.0.1"}  # pkg/gateway/run.go
CAPABILITIES = {
    "logging": {},
    "prompts": {"listChanged": True},
    "resources": {"listChanged": True, "subscribe": True},
    "tools": {"listChanged": True},
}
PROTOCOL_VERSIONS = ("2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05")
DEFAULT_PROTOCOL_VERSION = "2025-06-18"  # go-sdk v1.4.1 latestProtocolVersion

_LEGACY_FLAGS = (
    "servers",
    "enable-all-servers",
    "catalog",
    "additional-catalog",
    "registry",
    "additional-registry",
    "config",
    "additional-config",
    "tools-config",
    "additional-tools-config",
    "oci-ref",
    "mcp-registry",
)


def _schema(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"properties": properties, "required": required, "type": "object"}


# pkg/gateway/dynamic_mcps.go (descriptions verbatim, trailing spaces included)
INTERNAL_TOOLS: dict[str, dict[str, Any]] = {
    "mcp-find": {
        "description": (
            "Find MCP servers in the current catalog by name, title, or description.\n"
            "If the user is looking for new capabilities, use this tool to search the MCP "
            "catalog for servers that should potentially be enabled.\n"
            "This will not enable the server but will return information about servers that "
            "could be enabled.\n"
            "If we find an mcp server, it can be added with the mcp-add tool, and configured "
            "with mcp-config-set."
        ),
        "inputSchema": _schema(
            {
                "limit": {
                    "description": "Maximum number of results to return (default: 10)",
                    "type": "integer",
                },
                "query": {
                    "description": "Search query to find servers by name, title, or description "
                    "(case-insensitive)",
                    "type": "string",
                },
            },
            ["query"],
        ),
    },
    "mcp-add": {
        "description": (
            "Add a new MCP server to the session. \nThe server must exist in the catalog."
        ),
        "inputSchema": _schema(
            {
                "activate": {
                    "default": True,
                    "description": "Activate all of the server's tools in the current session",
                    "type": "boolean",
                },
                "name": {
                    "description": "Name of the MCP server to add to the registry "
                    "(must exist in catalog)",
                    "type": "string",
                },
            },
            ["name"],
        ),
    },
    "mcp-remove": {
        "description": "Remove an MCP server from the registry and reload the configuration. "
        "This will disable the server.",
        "inputSchema": _schema(
            {
                "name": {
                    "description": "Name of the MCP server to remove from the registry",
                    "type": "string",
                }
            },
            ["name"],
        ),
    },
    "code-mode": {
        "description": (
            "Create a JavaScript-enabled tool that combines multiple MCP server tools. \n"
            "This allows you to write scripts that call multiple tools and combine their "
            "results.\n"
            "Use the mcp-find tool to find servers and make sure they are are ready with the "
            "mcp-add tool. When running\nmcp-add, we don't have to activate the tools.\n"
        ),
        "inputSchema": _schema(
            {
                "name": {
                    "description": "Name for the new code-mode tool (will be prefixed with "
                    "'code-mode-')",
                    "type": "string",
                },
                "servers": {
                    "description": "List of MCP server names whose tools should be available "
                    "in the JavaScript environment",
                    "items": {"type": "string"},
                    "type": "array",
                },
            },
            ["servers", "name"],
        ),
    },
    "mcp-exec": {
        "description": "Execute a tool that exists in the current session. This allows calling "
        "tools that may not be visible in listTools results.",
        "inputSchema": _schema(
            {
                "arguments": {
                    "description": "Arguments to use for the tool call.",
                    "type": "object",
                },
                "name": {"description": "Name of the tool to execute", "type": "string"},
            },
            ["name"],
        ),
    },
    "mcp-config-set": {
        "description": (
            "Set configuration for an MCP server. \nThe config object will be validated against "
            "the server's config schema. If validation fails, the error message will include "
            "the correct schema."
        ),
        "inputSchema": _schema(
            {
                "config": {
                    "description": "Configuration object for the server. This will be "
                    "validated against the server's config schema.",
                    "type": "object",
                },
                "server": {"description": "Name of the MCP server to configure", "type": "string"},
            },
            ["server", "config"],
        ),
    },
    "mcp-create-profile": {
        "description": (
            "Create or update a profile with the current gateway state.\n"
            "A profile is a snapshot of all currently enabled servers and their configurations.\n"
            "If a profile with the given name already exists, it will be updated with the "
            "current state."
        ),
        "inputSchema": _schema(
            {"name": {"description": "Name of the profile to create or update", "type": "string"}},
            ["name"],
        ),
    },
    "mcp-activate-profile": {
        "description": (
            "Activate a saved profile by loading its servers into the current gateway.\n"
            "This will merge the profile's servers with currently active servers.\n"
            "Servers that are already active will be skipped."
        ),
        "inputSchema": _schema(
            {"name": {"description": "Profile ID to activate", "type": "string"}}, ["name"]
        ),
    },
}
PROFILE_ONLY_TOOLS = ("mcp-create-profile", "mcp-activate-profile")
_INTERNAL_LOG = (
    ("mcp-find", "tool for finding MCP servers in the catalog"),
    ("mcp-add", "tool for adding MCP servers to the registry"),
    ("mcp-remove", "tool for removing MCP servers from the registry"),
    ("code-mode", "write code that calls other MCPs directly"),
    ("mcp-exec", "execute tools that exist in the current session"),
    ("mcp-config-set", "tool for setting configuration values for MCP servers"),
    ("mcp-create-profile", "tool for creating or updating profiles with current gateway state"),
    ("mcp-activate-profile", "tool for activating saved profiles"),
)
# pkg/prompts/discover.go; the real prompt text (discover.md) is not reproduced.
DISCOVER_PROMPT = {
    "description": "Learn how to discover and add MCP servers dynamically",
    "name": "mcp-discover",
}
DISCOVER_TEXT = (
    "Use mcp-find to search the catalog, mcp-add to add a server to this session and "
    "mcp-config-set to configure it. (Placeholder text from the fake docker gateway.)"
)


def go_duration(seconds: float) -> str:
    """Go `time.Duration.String()`: `812.3µs`, `1.43ms`, `2.6s`, `1m2.5s`."""
    ns = max(int(seconds * 1e9), 0)
    if ns < 1000:
        return f"{ns}ns"
    for unit, size in (("µs", 1_000), ("ms", 1_000_000)):
        if ns < size * 1000:
            return f"{ns / size:.6f}".rstrip("0").rstrip(".") + unit
    minutes, rest = divmod(ns, 60 * 1_000_000_000)
    secs = f"{rest / 1e9:.9f}".rstrip("0").rstrip(".") + "s"
    return f"{minutes}m{secs}" if minutes else secs


def log(text: str) -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


# ------------------------------------------------------------------------- configuration


@dataclass
class Config:
    """What the gateway serves: servers (name -> catalog entry) and how tools are exposed."""

    servers: dict[str, dict[str, Any]]
    catalog: dict[str, dict[str, Any]]
    tool_lists: dict[str, list[str] | None] = field(default_factory=dict)
    tools_flag: list[str] = field(default_factory=list)
    dynamic: bool = True
    use_profiles: bool = False
    long_lived: bool = False
    profile: str | None = None
    missing: list[str] = field(default_factory=list)


def configure(env: Env, inv: Invocation) -> Config:
    """Pick file-based or profile-based configuration like `gateway.go` RunE."""
    legacy_flags = [f for f in _LEGACY_FLAGS if inv.get(f)]
    if inv.get("servers") and inv.get("enable-all-servers"):
        raise CliError("cannot use --enable-all-servers with --servers flag")
    if env.profiles and not legacy_flags and not _custom_secrets(inv):
        cfg = _profile_config(env, inv.get("profile") or "default")
    else:
        if env.profiles and inv.get("profile"):
            raise CliError(
                "cannot use --profile with --servers, --enable-all-servers, --catalog, "
                "--additional-catalog, --registry, --additional-registry, --config, "
                "--additional-config, --tools-config, --additional-tools-config, --secrets, "
                "--oci-ref, --mcp-registry flags"
            )
        cfg = _file_config(env, inv)
    cfg.use_profiles = env.profiles
    cfg.dynamic = state.feature_enabled(env, "dynamic-tools", True)
    if inv.get("servers") and not inv.get("enable-all-servers"):
        cfg.dynamic = False  # explicit --servers turns the internal tools off
    cfg.tools_flag = [t.lower() for t in inv.get("tools")]
    cfg.long_lived = bool(inv.get("long-lived"))
    return cfg


def _custom_secrets(inv: Invocation) -> bool:
    secrets = inv.get("secrets")
    return secrets != "docker-desktop" and not secrets.startswith("docker-desktop:")


def _file_config(env: Env, inv: Invocation) -> Config:
    log("- Reading configuration...")
    started = time.monotonic()
    servers = state.all_catalog_servers(env)
    if inv.get("enable-all-servers"):
        names = sorted(servers)
    elif inv.get("servers"):
        names = list(dict.fromkeys(inv.get("servers")))
    else:
        log("  - Reading registry from registry.yaml")
        names = state.enabled_servers(env)
    log("  - Reading catalog from [docker-mcp.yaml]")
    log("  - Reading config from config.yaml")
    log("  - Reading tools from tools.yaml")
    log(f"- Configuration read in {go_duration(time.monotonic() - started)}")
    tools = state.tools_config(env)
    active = {n: servers[n] for n in names if n in servers}
    return Config(
        servers=active,
        catalog=servers,
        tool_lists={n: tools.get(n) for n in active},
        missing=[n for n in names if n not in servers],
    )


def _profile_config(env: Env, profile_id: str) -> Config:
    log("- Reading profile configuration...")
    started = time.monotonic()
    conn = db.connect(env)
    try:
        all_servers: dict[str, dict[str, Any]] = {}
        for cat in db.list_catalogs(conn):
            for server in cat["servers"]:
                snap = (server.get("snapshot") or {}).get("server")
                if snap:
                    all_servers[snap["name"]] = snap
        profile = db.get_profile(conn, profile_id)
    finally:
        conn.close()
    if profile is None:
        if profile_id != "default":
            raise CliError(f"profile {profile_id} not found")
        log("  - Default profile not found, using empty configuration")
        return Config(servers={}, catalog=all_servers, profile=profile_id)
    active: dict[str, dict[str, Any]] = {}
    tool_lists: dict[str, list[str] | None] = {}
    for server in profile["servers"]:
        snap = (server.get("snapshot") or {}).get("server")
        if snap:
            active[snap["name"]] = snap
            tool_lists[snap["name"]] = server.get("tools")
    log(f"- Configuration read in {go_duration(time.monotonic() - started)}")
    return Config(
        servers=active,
        catalog={**all_servers, **active},
        tool_lists=tool_lists,
        profile=profile_id,
    )


# ------------------------------------------------------------------------------- tools


def input_schema(tool: dict[str, Any]) -> dict[str, Any]:
    """The tool's `inputSchema`, or one built from toolsUrl `arguments` (§6.4)."""
    if isinstance(tool.get("inputSchema"), dict):
        return dict(catalog.sort_keys(tool["inputSchema"]))
    properties: dict[str, Any] = {}
    required: list[str] = []
    for arg in tool.get("arguments") or []:
        prop: dict[str, Any] = {"type": arg.get("type") or "string"}
        if arg.get("desc"):
            prop["description"] = arg["desc"]
        if isinstance(arg.get("items"), dict):
            prop["items"] = arg["items"]
        properties[arg["name"]] = prop
        if not arg.get("optional"):
            required.append(arg["name"])
    schema: dict[str, Any] = {"properties": properties, "type": "object"}
    if required:
        schema["required"] = required
    return dict(catalog.sort_keys(schema))


def mcp_tool(name: str, tool: dict[str, Any]) -> dict[str, Any]:
    """A go-sdk `mcp.Tool` in its JSON key order."""
    out: dict[str, Any] = {}
    if isinstance(tool.get("annotations"), dict) and tool["annotations"]:
        out["annotations"] = catalog.sort_keys(tool["annotations"])
    if tool.get("description"):
        out["description"] = tool["description"]
    out["inputSchema"] = input_schema(tool)
    out["name"] = name
    return out


def _allowed(cfg: Config, server: str, tool: str) -> bool:
    listed = cfg.tool_lists.get(server)
    if listed is not None and tool not in listed:
        return False
    if not cfg.tools_flag:
        return True
    wanted = {"*", tool.lower(), f"{server.lower()}:*", f"{server.lower()}:{tool.lower()}"}
    return bool(wanted & set(cfg.tools_flag))


def server_tools(env: Env, cfg: Config, name: str) -> list[tuple[str, dict[str, Any]]]:
    """(exposed name, definition) for one server's enabled tools."""
    spec = cfg.servers.get(name) or cfg.catalog.get(name) or {}
    prefix = spec.get("prefix") or (
        name if state.feature_enabled(env, "tool-name-prefix", False) else ""
    )
    found = []
    for tool in catalog.data_tools(name):
        if _allowed(cfg, name, tool["name"]):
            exposed = f"{prefix}__{tool['name']}" if prefix else tool["name"]
            found.append((exposed, tool))
    return found


# ------------------------------------------------------------------------------ server


class RpcError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _text(text: str, is_error: bool = False) -> dict[str, Any]:
    result: dict[str, Any] = {"content": [{"type": "text", "text": text}]}
    if is_error:
        result["isError"] = True
    return result


class Gateway:
    """One gateway process: the session state and the JSON-RPC loop."""

    def __init__(self, env: Env, cfg: Config) -> None:
        self.env = env
        self.cfg = cfg
        self.hidden: set[str] = set()  # servers added with activate=false
        self.tools: dict[str, tuple[str, dict[str, Any]]] = {}
        self.initialized = False

    # ---- startup

    def start(self) -> None:
        """Log like the real gateway, "start" the containers and build the tool table."""
        for name in self.cfg.missing:
            log(f"  - MCP server not found: {name}")
        containers = self._containers(self.cfg.servers)
        if containers:
            images = [str(self.cfg.servers[n].get("image") or n) for n in containers]
            log("- Using images:")
            for image in images:
                log(f"  - {image}")
            log(f"- Verifying images [{' '.join(images)}]")
            log("> Images verified in 1ms")
            log("> Images pulled in 1ms")
        if not self.cfg.servers:
            log("- No server is enabled")
        else:
            log(f"- Those servers are enabled: {', '.join(self.cfg.servers)}")
        log("- Listing MCP tools...")
        listing = time.monotonic()
        self._start_containers(containers, "list-tools")
        self.tools = self._build_tools()
        for name in self.cfg.servers:
            count = sum(1 for owner, _ in self.tools.values() if owner == name)
            log(f"  > {name}: ({count} tools)")
        log(f"> {len(self.tools)} tools listed in {go_duration(time.monotonic() - listing)}")
        if self.cfg.dynamic:
            log("- Adding internal tools (dynamic-tools feature enabled)")
            for tool, text in _INTERNAL_LOG:
                if tool in self.internal_names():
                    log(f"  > {tool}: {text}")
            log("  > mcp-discover: prompt for learning about dynamic server management")

    def _containers(self, servers: dict[str, dict[str, Any]]) -> list[str]:
        return [n for n, spec in servers.items() if spec.get("type") != "remote"]

    def _start_containers(self, names: list[str], reason: str, **extra: Any) -> None:
        for name in names:
            image = self.cfg.servers.get(name, {}).get("image") or name
            log(
                f"  - Running {image} with [run --rm -i --init --security-opt no-new-privileges "
                f"--cpus 1 --memory 2Gb --pull never -l docker-mcp=true -l "
                f"docker-mcp-tool-type=mcp -l docker-mcp-name={name} -l "
                f"docker-mcp-transport=stdio]"
            )
        if names:
            self.env.record({"container_start": names, "reason": reason, **extra})

    def _build_tools(self) -> dict[str, tuple[str, dict[str, Any]]]:
        table: dict[str, tuple[str, dict[str, Any]]] = {}
        for server in self.cfg.servers:
            for exposed, tool in server_tools(self.env, self.cfg, server):
                if exposed in table and table[exposed][0] != server:
                    raise CliError(
                        f'tool name collision: server "{table[exposed][0]}" and server '
                        f'"{server}" both expose tool name "{exposed}"; enable '
                        "tool-name-prefix or set unique catalog prefixes"
                    )
                table[exposed] = (server, tool)
        return table

    def internal_names(self) -> list[str]:
        if not self.cfg.dynamic:
            return []
        return [n for n in INTERNAL_TOOLS if self.cfg.use_profiles or n not in PROFILE_ONLY_TOOLS]

    def list_tools(self) -> list[dict[str, Any]]:
        listed = [
            mcp_tool(exposed, tool)
            for exposed, (server, tool) in self.tools.items()
            if server not in self.hidden
        ]
        listed += [mcp_tool(n, INTERNAL_TOOLS[n]) for n in self.internal_names()]
        return sorted(listed, key=lambda t: t["name"].encode())

    # ---- JSON-RPC

    def handle(self, method: str, params: dict[str, Any]) -> Any:
        if method not in ("initialize", "ping") and not self.initialized:
            raise RpcError(0, f'method "{method}" is invalid during session initialization')
        if method == "initialize":
            self.initialized = True
            version = params.get("protocolVersion")
            return {
                "capabilities": CAPABILITIES,
                "protocolVersion": version
                if version in PROTOCOL_VERSIONS
                else DEFAULT_PROTOCOL_VERSION,
                "serverInfo": SERVER_INFO,
            }
        simple: dict[str, dict[str, Any]] = {
            "ping": {},
            "logging/setLevel": {},
            "prompts/list": {"prompts": [DISCOVER_PROMPT] if self.cfg.dynamic else []},
            "resources/list": {"resources": []},
            "resources/templates/list": {"resourceTemplates": []},
        }
        if method in simple:
            return simple[method]
        if method == "prompts/get":
            return self.get_prompt(str(params.get("name", "")))
        if method == "tools/list":
            return {"tools": self.list_tools()}
        if method == "tools/call":
            return self.call_tool(str(params.get("name", "")), params.get("arguments"))
        raise RpcError(-32601, f'method not found: "{method}"')

    def get_prompt(self, name: str) -> dict[str, Any]:
        if name != "mcp-discover" or not self.cfg.dynamic:
            raise RpcError(-32602, f'unknown prompt "{name}"')
        message = {"content": {"text": DISCOVER_TEXT, "type": "text"}, "role": "user"}
        return {
            "description": "Instructions for discovering and managing MCP servers",
            "messages": [message],
        }

    def call_tool(self, name: str, arguments: Any) -> dict[str, Any]:
        if name in self.internal_names():
            return self._internal(name, arguments if isinstance(arguments, dict) else {})
        if name not in self.tools:
            raise RpcError(-32602, f'unknown tool "{name}"')
        return self._call_server_tool(name, arguments)

    def _call_server_tool(self, name: str, arguments: Any) -> dict[str, Any]:
        server, _tool = self.tools[name]
        spec = self.cfg.servers.get(server, {})
        if spec.get("type") != "remote" and not (self.cfg.long_lived or spec.get("longLived")):
            self._start_containers([server], "tools/call", tool=name)
        if isinstance(arguments, dict) and "__fake_error__" in arguments:
            return _text(str(arguments["__fake_error__"]), is_error=True)
        echo = {"arguments": arguments, "server": server, "tool": name}
        return _text(catalog.go_json(echo))

    # ---- dynamic tools (§5)

    def _internal(self, name: str, args: dict[str, Any]) -> dict[str, Any]:
        handler = {
            "mcp-find": self._find,
            "mcp-add": self._add,
            "mcp-remove": self._remove,
            "mcp-exec": self._exec,
            "mcp-config-set": self._config_set,
            "code-mode": self._code_mode,
            "mcp-create-profile": self._create_profile,
            "mcp-activate-profile": self._activate_profile,
        }[name]
        return handler(args)

    def _find(self, args: dict[str, Any]) -> dict[str, Any]:
        query = str(args.get("query", "")).lower()
        limit = int(args.get("limit") or 10)
        matches = []
        for server, spec in sorted(self.cfg.catalog.items()):
            haystack = [server, spec.get("title") or "", spec.get("description") or ""]
            haystack += catalog.names_of(spec.get("tools"))
            if query and any(query in str(h).lower() for h in haystack):
                matches.append(self._find_entry(server, spec))
        body = {"prompt": args.get("query", ""), "servers": matches[:limit]}
        body["total_matches"] = len(matches)
        return _text(catalog.go_json(catalog.sort_keys(body)))

    def _find_entry(self, server: str, spec: dict[str, Any]) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "description": spec.get("description") or "",
            "long_lived": bool(spec.get("longLived")),
            "name": server,
        }
        if spec.get("config"):
            entry["config_schema"] = spec["config"]
        secrets = [s.get("name") for s in spec.get("secrets") or [] if isinstance(s, dict)]
        if secrets:
            entry["required_secrets"] = secrets
        return entry

    def _missing_secrets(self, spec: dict[str, Any]) -> list[str]:
        have = state.secrets(self.env)
        return [n for n in catalog.names_of(spec.get("secrets")) if n not in have]

    def _add(self, args: dict[str, Any]) -> dict[str, Any]:
        server = str(args.get("name", ""))
        spec = self.cfg.catalog.get(server)
        if spec is None:
            return _text(
                f"Error: Server '{server}' not found in catalog. Use mcp-find to search for "
                "available servers."
            )
        missing = self._missing_secrets(spec)
        if missing:
            lines = "\n".join(f"  docker mcp secret set {m}=<value>" for m in missing)
            return _text(
                f"Error: Cannot add server '{server}'. Missing required secrets "
                f"({', '.join(missing)}).\n\nThe server was not added. Please configure these "
                f"first:\nRequired secrets:\n{lines}"
            )
        self.cfg.servers[server] = spec
        self.cfg.tool_lists.setdefault(server, None)
        if args.get("activate", True) is False:
            self.hidden.add(server)
        else:
            self.hidden.discard(server)
        self._start_containers(self._containers({server: spec}), "mcp-add")
        self.tools = self._build_tools()
        added = [mcp_tool(n, t) for n, (owner, t) in sorted(self.tools.items()) if owner == server]
        self._notify_tools_changed()
        body = catalog.go_json({"tools": added}, indent=2)
        return _text(
            f"Successfully added {len(added)} tools in server '{server}'. Assume that it is fully "
            f"configured and ready to use.\n\nNewly added tools:\n```json\n{body}\n```"
        )

    def _remove(self, args: dict[str, Any]) -> dict[str, Any]:
        server = str(args.get("name", ""))
        self.cfg.servers.pop(server, None)
        self.tools = self._build_tools()
        self._notify_tools_changed()
        return _text(f"Successfully removed server '{server}'.")

    def _exec(self, args: dict[str, Any]) -> dict[str, Any]:
        name = str(args.get("name", ""))
        if name not in self.tools:
            return _text(
                f"Error: Tool '{name}' not found in current session. Make sure the server "
                "providing this tool is added to the session."
            )
        return self._call_server_tool(name, args.get("arguments"))

    def _config_set(self, args: dict[str, Any]) -> dict[str, Any]:
        body = catalog.go_json(args.get("config"), indent=2)
        return _text(f"Successfully set config for server '{args.get('server', '')}':\n\n{body}")

    def _code_mode(self, args: dict[str, Any]) -> dict[str, Any]:
        return _text(f"Successfully created code-mode tool 'code-mode-{args.get('name', '')}'")

    def _create_profile(self, args: dict[str, Any]) -> dict[str, Any]:
        return _text(f"Successfully created profile '{args.get('name', '')}'")

    def _activate_profile(self, args: dict[str, Any]) -> dict[str, Any]:
        return _text(f"Successfully activated profile '{args.get('name', '')}'")

    def _notify_tools_changed(self) -> None:
        write_message(
            {"jsonrpc": "2.0", "method": "notifications/tools/list_changed", "params": {}}
        )

    # ---- loop

    def serve(self) -> None:
        for raw in iter(sys.stdin.buffer.readline, b""):
            if not raw.strip():
                continue
            self._dispatch(raw)

    def _dispatch(self, raw: bytes) -> None:
        try:
            message = json.loads(raw)
        except ValueError:
            write_message(
                {"jsonrpc": "2.0", "id": None, "error": {"code": -32700, "message": "parse error"}}
            )
            return
        if not isinstance(message, dict) or "method" not in message:
            return  # a response to a server->client request; the fake sends none
        method = str(message["method"])
        params = catalog.as_dict(message.get("params"))
        if "id" not in message:
            return  # notifications (initialized, cancelled, ...) need no answer
        try:
            result = self.handle(method, params)
        except RpcError as err:
            reply = {"code": err.code, "message": err.message}
            write_message({"jsonrpc": "2.0", "id": message["id"], "error": reply})
            return
        write_message({"jsonrpc": "2.0", "id": message["id"], "result": result})


def write_message(message: dict[str, Any]) -> None:
    sys.stdout.buffer.write(catalog.go_json(message).encode() + b"\n")
    sys.stdout.buffer.flush()


def _stop_on_signal(signum: int, frame: Any) -> None:
    del frame
    raise SystemExit(128 + signum)


def run(env: Env, inv: Invocation) -> int:
    """`docker mcp gateway run`."""
    if inv.get("transport") not in ("stdio",):
        if inv.get("transport") in ("sse", "streaming", "http", "streamable", "streamable-http"):
            raise NotImplementedByFake(f"docker mcp gateway run --transport {inv.get('transport')}")
        raise CliError(f"unknown transport: {inv.get('transport')}")
    if inv.get("port"):
        raise CliError("cannot use --port with --transport=stdio")
    started = time.monotonic()
    cfg = configure(env, inv)
    gateway = Gateway(env, cfg)
    gateway.start()
    log(f"> Initialized in {go_duration(time.monotonic() - started)}")
    if inv.get("dry-run"):
        log("Dry run mode enabled, not starting the server.")
        return 0
    signal.signal(signal.SIGTERM, _stop_on_signal)
    env.record(
        {
            "gateway": "start",
            "servers": list(cfg.servers),
            "profile": cfg.profile,
            "dynamic_tools": cfg.dynamic,
            "long_lived": cfg.long_lived,
        }
    )
    try:
        if env.gateway_delay:
            time.sleep(env.gateway_delay)
        if "gateway-noise" in env.fail:
            sys.stdout.write(f"- Those servers are enabled: {', '.join(cfg.servers)}\n")
            sys.stdout.flush()
        log("> Start stdio server")
        gateway.serve()
    except KeyboardInterrupt:
        pass
    finally:
        env.record({"gateway": "stop"})
    return 0
