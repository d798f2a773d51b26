"""Legacy-era commands (v0.27-v0.41, profiles off): `server`, `catalog`, `config`, `tools
enable|disable`. Each function cites the reference section whose output it reproduces."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from . import catalog, miniyaml, state
from .cli import CliError, Invocation, NotImplementedByFake
from .env import Env
from .output import json_out, out, terminal_width, tip

# ------------------------------------------------------------------------- server ls §4.1

STATUS_GLYPH = {"none": "-", "required": "▲ required", "partial": "◐ partial", "done": "✓ done"}


def _secrets_status(entry: dict[str, Any], configured: dict[str, str]) -> str:
    names = catalog.names_of(entry.get("secrets"))
    if not names:
        return "none"
    have = [n for n in names if n in configured]
    if len(have) == len(names):
        return "done"
    return "partial" if have else "required"


def _oauth_status(name: str, entry: dict[str, Any], configured: dict[str, str]) -> str:
    """`done` when a token is stored; the fake keeps tokens as keychain `oauth/<app>`."""
    providers = catalog.as_dict(entry.get("oauth")).get("providers")
    if not providers:
        return "none"
    apps = {str(providers[0].get("provider")), name}
    return "done" if any(f"oauth/{app}" in configured for app in apps) else "required"


def _leaf_fields(properties: dict[str, Any], prefix: str = "") -> set[str]:
    fields: set[str] = set()
    for key, value in properties.items():
        dotted = f"{prefix}.{key}" if prefix else key
        nested = value.get("properties") if isinstance(value, dict) else None
        if isinstance(nested, dict):
            fields |= _leaf_fields(nested, dotted)
        else:
            fields.add(dotted)
    return fields


def _flatten(config: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in config.items():
        dotted = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            flat.update(_flatten(value, dotted))
        else:
            flat[dotted] = value
    return flat


def config_status(requirements: list[Any], user: Any) -> str:
    """`validateConfigRequirements` (cmd/docker-mcp/server/registry_config.go)."""
    fields: set[str] = set()
    for req in requirements:
        if isinstance(req, dict) and isinstance(req.get("properties"), dict):
            fields |= _leaf_fields(req["properties"])
    if not fields:
        return "done"
    if not isinstance(user, dict) or not user:
        return "required"
    flat = _flatten(user)
    configured = sum(1 for f in fields if flat.get(f) not in (None, "", {}))
    if configured == 0:
        return "required"
    return "partial" if configured < len(fields) else "done"


def list_entries(env: Env) -> list[dict[str, Any]]:
    """`server.List`: one ListEntry per enabled server, in registry order (sorted)."""
    servers = state.all_catalog_servers(env)
    configured = state.secrets(env)
    user = state.user_config(env)
    entries = []
    for name in state.enabled_servers(env):
        entry: dict[str, Any] = {"name": name, "description": ""}
        entry.update(secrets="none", config="none", oauth="none")
        spec = servers.get(name)
        if spec is not None:
            entry["description"] = str(spec.get("description") or "")
            entry["secrets"] = _secrets_status(spec, configured)
            entry["oauth"] = _oauth_status(name, spec, configured)
            if spec.get("config"):
                entry["config"] = config_status(spec["config"], user.get(name))
        entries.append(entry)
    return entries


def _truncate(text: str, width: int) -> str:
    if len(text) <= width:
        return text
    return text[: width - 3] + "..." if width > 3 else text[:width]


def _column_widths(term_width: int) -> tuple[int, int, int, int, int]:
    """`calculateColumnWidths` without a policy column: 27/13/13/13/48 at width 120."""
    mins = (15, 10, 10, 10, 20)
    min_total = sum(mins) + 4
    if term_width < min_total + 20:
        return mins
    available = term_width - min_total
    extra = available // 16
    return (
        15 + available // 4,
        10 + extra,
        10 + extra,
        10 + extra,
        20 + available // 2 + extra,
    )


def server_ls(env: Env, inv: Invocation) -> None:
    entries = list_entries(env)
    if inv.get("json"):
        if env.version_tuple < (0, 27, 0):  # ≤ v0.26: an array of names
            json_out(env, catalog.go_json([e["name"] for e in entries]))
        else:  # json.Marshal of a nil slice is `null`; no trailing newline
            json_out(env, catalog.go_json(entries or None))
        return
    if not entries:
        out("No server is enabled\n")
        return
    if env.version_tuple < (0, 27, 0):
        out(", ".join(e["name"] for e in entries) + "\n")
        tip(env, _CONNECT_TIP + "\n")
        return
    _server_table(env, entries)


_CONNECT_TIP = (
    "Tip: To use these servers, connect to a client (IE: claude/cursor) with "
    "docker mcp client connect <client-name>"
)


def _server_table(env: Env, entries: list[dict[str, Any]]) -> None:
    name_w, oauth_w, secrets_w, config_w, desc_w = _column_widths(terminal_width())
    out(f"\nMCP Servers ({len(entries)} enabled)\n\n")
    widths = (name_w, oauth_w, secrets_w, config_w, desc_w)

    def row(*cells: str) -> None:  # Go `%-*s`: every column padded, trailing spaces kept
        out(" ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + "\n")

    row("NAME", "OAUTH", "SECRETS", "CONFIG", "DESCRIPTION")
    out("-" * (sum(widths) + 4) + "\n")
    for e in entries:
        row(
            _truncate(e["name"], name_w),
            STATUS_GLYPH[e["oauth"]],
            STATUS_GLYPH[e["secrets"]],
            STATUS_GLYPH[e["config"]],
            _truncate(e["description"], desc_w),
        )
    tip(env, "\n" + _CONNECT_TIP + "\n\n")


# ------------------------------------------------------------ server enable/disable §4.2


def _oauth_notice(name: str, spec: dict[str, Any]) -> str | None:
    """The messages `server enable` prints for remote servers (Docker CE: gateway OAuth)."""
    if spec.get("type") != "remote":
        return None
    oauth = catalog.as_dict(spec.get("oauth"))
    if oauth.get("providers"):
        return (
            f"OAuth server {name} enabled. Run 'docker mcp oauth authorize {name}' to authenticate"
        )
    if (spec.get("remote") or {}).get("url"):
        return (
            f"Remote server {name} enabled. OAuth handled by Gateway — use "
            f"'docker mcp oauth authorize {name}' or authorize from Docker Desktop"
        )
    return None


def _update_registry(env: Env, add: list[str], remove: list[str]) -> None:
    servers = state.all_catalog_servers(env)
    keep = {n for n in state.enabled_servers(env) if n in servers}  # prunes unknown entries
    for name in add:
        if name not in servers:
            raise CliError(f"server {name} not found in catalog")
        keep.add(name)
        notice = _oauth_notice(name, servers[name])
        if notice:
            out(notice + "\n")
    keep -= set(remove)
    state.write_registry(env, sorted(keep))


def server_enable(env: Env, inv: Invocation) -> None:
    _update_registry(env, inv.args, [])
    tip(env, "Tip: ✓ Server enabled. To view all enabled servers, use docker mcp server ls\n\n")


def server_disable(env: Env, inv: Invocation) -> None:
    _update_registry(env, [], inv.args)
    tip(
        env,
        "Tip: ✓ Server disabled. To see remaining enabled servers, use docker mcp server ls\n\n",
    )


def server_reset(env: Env, inv: Invocation) -> None:
    del inv
    state.write_registry(env, None)


# ------------------------------------------------------------------- server inspect §4.3


def _inspect_tool(tool: dict[str, Any], enabled: bool) -> dict[str, Any]:
    out_tool: dict[str, Any] = {
        "name": tool.get("name", ""),
        "description": tool.get("description", ""),
    }
    args = [
        {"name": a.get("name", ""), "type": a.get("type", ""), "desc": a.get("desc", "")}
        for a in tool.get("arguments") or []
    ]
    if args:
        out_tool["arguments"] = args
    if tool.get("annotations"):
        out_tool["annotations"] = catalog.sort_keys(tool["annotations"])
    out_tool["enabled"] = enabled
    return out_tool


def server_inspect(env: Env, inv: Invocation) -> None:
    name = inv.args[0]
    if "/" in name and (":" in name or "@" in name):
        raise NotImplementedByFake("docker mcp server inspect <oci-ref>")
    registry = state.docker_catalog(env)["registry"]
    if name not in registry:
        raise CliError(f'server "{name}" not found in catalog')
    entry = registry[name]
    tools: list[dict[str, Any]] = []
    if not catalog.is_dynamic(entry):
        allowed = state.tools_config(env).get(name)
        tools = [
            _inspect_tool(t, allowed is None or t.get("name") in allowed)
            for t in catalog.data_tools(name)
        ]
    info = {"tools": tools, "readme": catalog.data_readme(name, entry)}
    json_out(env, catalog.go_json(info, indent=2))  # MarshalIndent, no trailing newline


# -------------------------------------------------------------------------- catalog §4.4


def _catalog_config(env: Env) -> dict[str, Any]:
    state.ensure_seeded(env)  # ReadConfigWithDefaultCatalog imports docker-mcp when missing
    return state.read_catalog_config(env)


def catalog_ls(env: Env, inv: Invocation) -> None:
    config = _catalog_config(env)
    if inv.get("format") == "json":
        ordered = {"catalogs": {k: config["catalogs"][k] for k in sorted(config["catalogs"])}}
        json_out(env, catalog.go_json(ordered) + "\n")
        return
    if not config["catalogs"]:
        out("No catalogs configured.\n")
        return
    for name, entry in config["catalogs"].items():  # Go map order: effectively random
        out(f"{name}: {entry.get('displayName', '')}\n")
    tip(env, "Tip: To browse a catalog's servers, use docker mcp catalog show <catalog-name>\n")


def _needs_update(env: Env, name: str, entry: dict[str, Any]) -> bool:
    """The Docker catalog refreshes itself when `lastUpdate` is missing or 12 h old."""
    if not state.catalog_file(env, name).is_file():
        return True
    if name != catalog.DOCKER_CATALOG_NAME or not str(entry.get("url", "")).startswith("http"):
        return False
    try:
        last = datetime.fromisoformat(str(entry.get("lastUpdate", "")))
    except ValueError:
        return True
    return last + timedelta(hours=12) < datetime.now().astimezone()


def _update_catalog(env: Env, name: str) -> None:
    if name == catalog.DOCKER_CATALOG_NAME:
        state.seed_docker_catalog(env)  # the "download" comes from data/docker-mcp.yaml
        return
    config = state.read_catalog_config(env)
    config["catalogs"][name]["lastUpdate"] = state.local_rfc3339()
    state.write_catalog_config(env, config)


def catalog_show(env: Env, inv: Invocation) -> None:
    name = inv.args[0] if inv.args else catalog.DOCKER_CATALOG_NAME
    config = _catalog_config(env)
    if name not in config["catalogs"]:
        raise CliError(f'catalog "{name}" not found')
    if _needs_update(env, name, config["catalogs"][name]):
        _update_catalog(env, name)
    doc = catalog.read_catalog_file(state.catalog_file(env, name))
    fmt = inv.get("format")
    if fmt:
        _catalog_formatted(env, doc, fmt)
    else:
        _catalog_text(env, doc)


def _catalog_formatted(env: Env, doc: dict[str, Any], fmt: str) -> None:
    if env.version_tuple < (0, 38, 0):  # ≤ v0.37: a yq transform of the raw file
        if fmt == "json":
            json_out(env, json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n")
        else:
            out(miniyaml.dump(doc, indent=2))
        return
    as_yaml = fmt == "yaml"
    document: dict[str, Any] = {}
    for key in ("name", "displayName"):
        if doc.get(key):
            document[key] = str(doc[key])
    registry = doc.get("registry") or {}
    document["registry"] = {
        k: catalog.go_server(registry[k], yaml=as_yaml) for k in sorted(registry)
    }
    if as_yaml:
        out(miniyaml.dump(document, indent=4, seq_indent=True) + "\n")
    else:
        json_out(env, catalog.go_json(document, indent=2) + "\n")


def _wrap(text: str, width: int, indent: str) -> str:
    words = text.split()
    if not words:
        return ""
    lines, current = [], words[0]
    for word in words[1:]:
        if len(current) + 1 + len(word) > width:
            lines.append(indent + current)
            current = word
        else:
            current += " " + word
    lines.append(indent + current)
    return "\n".join(lines)


def _catalog_text(env: Env, doc: dict[str, Any]) -> None:
    """The human listing; the bold escapes are printed even when not a TTY (§1, §4.4)."""
    registry = doc.get("registry") or {}
    width = terminal_width()
    wrap = max(width - 10, 40)
    rule = "─" * min(width - 4, 78)
    keys = sorted(registry)
    out(f"\n  \033[1mMCP Server Directory\033[0m\n  {len(keys)} servers available\n  {rule}\n\n")
    for i, key in enumerate(keys):
        out(f"  \033[1m{key}\033[0m\n")
        out(_wrap(str(registry[key].get("description") or "").strip(), wrap, "    ") + "\n")
        if i < len(keys) - 1:
            out("\n")
    out(f"\n  {rule}\n  {len(keys)} servers total\n\n")
    tip(
        env,
        "Tip: To view server details, use docker mcp server inspect <server-name>. "
        "To add servers, use docker mcp server enable <server-name>\n",
    )


def catalog_update(env: Env, inv: Invocation) -> None:
    config = _catalog_config(env)
    names = inv.args[:1] or list(config["catalogs"])
    for name in names:
        if name not in config["catalogs"]:
            raise CliError(f'unknown catalog "{name}"')
        _update_catalog(env, name)
        out(f"updated: {name}\n")


# --------------------------------------------------------------------------- config §4.6


def config_read(env: Env, inv: Invocation) -> None:
    del inv
    path = env.mcp_dir / "config.yaml"
    if not path.is_file():
        state.write_atomic(path, "")
    out(path.read_text(encoding="utf-8"))


def config_write(env: Env, inv: Invocation) -> None:
    state.write_atomic(env.mcp_dir / "config.yaml", inv.args[0])


def config_reset(env: Env, inv: Invocation) -> None:
    del inv
    state.write_atomic(env.mcp_dir / "config.yaml", "")


# --------------------------------------------------------------- tools enable/disable §4.5


def _tool_server(servers: dict[str, Any], tool: str, server: str) -> str:
    def names(name: str) -> list[str]:
        return catalog.names_of(servers[name].get("tools"))

    if server:
        if server not in servers:
            raise CliError(f'server "{server}" not found in catalog')
        if tool not in names(server):
            raise CliError(f'tool "{tool}" not found in server "{server}"')
        return server
    for name in servers:
        if tool in names(name):
            return name
    raise CliError(f'tool "{tool}" not found in any server')


def _update_tools(env: Env, inv: Invocation, enable: bool) -> None:
    servers = state.all_catalog_servers(env)
    tools = state.tools_config(env)
    for tool in inv.args:
        server = _tool_server(servers, tool, inv.get("server"))
        if enable:
            if tool not in tools.setdefault(server, []):
                tools[server].append(tool)  # absent server -> now an allowlist of one (sic)
        elif server not in tools:
            everything = catalog.names_of(servers[server].get("tools"))
            tools[server] = [t for t in everything if t != tool]
        else:
            tools[server] = [t for t in tools[server] if t != tool]
    state.write_tools_config(env, tools)


def tools_enable(env: Env, inv: Invocation) -> None:
    _update_tools(env, inv, enable=True)


def tools_disable(env: Env, inv: Invocation) -> None:
    _update_tools(env, inv, enable=False)
