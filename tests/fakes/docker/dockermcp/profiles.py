"""Profiles-era commands (v0.42+): `profile ...` and the OCI `catalog ...` (reference §2b, §6.3).

The reference lists these commands but not their outputs; the shapes here follow mcp-gateway
`pkg/workingset` (WorkingSet, Server, SearchResult) and `pkg/catalog_next` (CatalogWithDigest,
CatalogSummary) at the same snapshot the reference was written from (2bd20fe8).
"""

from __future__ import annotations

import fnmatch
import re
import sqlite3
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from . import catalog, db, miniyaml, state
from .cli import CliError, Invocation, NotImplementedByFake
from .env import Env
from .output import json_out, out

FORMATS = ("json", "yaml", "human")


@contextmanager
def _db(env: Env) -> Iterator[sqlite3.Connection]:
    conn = db.connect(env)
    try:
        yield conn
    finally:
        conn.close()


def _check_format(inv: Invocation) -> str:
    fmt = str(inv.get("format"))
    if fmt not in FORMATS:
        raise CliError(f"unsupported format: {fmt}")
    return fmt


# ------------------------------------------------------------------------------- shapes


def _server_out(server: dict[str, Any], *, yaml: bool = False) -> dict[str, Any]:
    """`workingset.Server`: tools is always there in JSON (null = every tool enabled)."""
    out_server: dict[str, Any] = {"type": server["type"]}
    if server.get("config"):
        out_server["config"] = server["config"]
    if server.get("secrets"):
        out_server["secrets"] = server["secrets"]
    if not yaml or server.get("tools") is not None:
        out_server["tools"] = server.get("tools")
    kind_key = {"registry": "source", "image": "image", "remote": "endpoint"}.get(server["type"])
    if kind_key and server.get(kind_key):
        out_server[kind_key] = server[kind_key]
    if server.get("catalog_ref"):
        out_server["catalog_ref" if yaml else "catalogRef"] = server["catalog_ref"]
    if server.get("snapshot") is not None:
        snapshot = server["snapshot"]
        out_server["snapshot"] = _yaml_snapshot(snapshot) if yaml else snapshot
    return out_server


def _yaml_snapshot(snapshot: dict[str, Any]) -> dict[str, Any]:
    """yaml.v3 omits the zero `container`/`parameters` structs that JSON always shows."""
    server = dict(snapshot.get("server") or {})
    tools = []
    for tool in server.get("tools") or []:
        tool = dict(tool)
        for key in ("container", "parameters"):
            if not any((tool.get(key) or {}).values()):
                tool.pop(key, None)
        tools.append(tool)
    if tools:
        server["tools"] = tools
    return {"server": server}


def profile_out(profile: dict[str, Any], *, yaml: bool = False) -> dict[str, Any]:
    """`workingset.WorkingSet`: {version, id, name, servers, secrets?}."""
    body: dict[str, Any] = {"version": 1, "id": profile["id"], "name": profile["name"]}
    body["servers"] = [_server_out(s, yaml=yaml) for s in profile["servers"]]
    if profile.get("secrets"):
        body["secrets"] = profile["secrets"]
    return body


def _server_name(server: dict[str, Any]) -> str | None:
    return ((server.get("snapshot") or {}).get("server") or {}).get("name")


def _yaml_v3(value: Any) -> str:
    return miniyaml.dump(value, indent=4, seq_indent=True)


# ---------------------------------------------------------------------- profile commands


def profile_ls(env: Env, inv: Invocation) -> None:
    fmt = _check_format(inv)
    with _db(env) as conn:
        profiles = db.list_profiles(conn)
    if not profiles and fmt == "human":
        out(
            "No profiles found. Use `docker mcp profile create --name <name>` to create a "
            "profile.\n\nTip: Get started quickly with a starter template:\n"
            "  docker mcp template list       View available templates\n"
            "  docker mcp template use <id>   Create a profile from a template\n"
        )
        return
    if fmt == "json":
        body = [profile_out(p) for p in profiles]
        json_out(env, catalog.go_json(body, indent=2) + "\n")
    elif fmt == "yaml":
        out(_yaml_v3([profile_out(p, yaml=True) for p in profiles]) + "\n")
    else:
        rows = "\n".join(f"{p['id']}\t{p['name']}" for p in profiles)
        out(f"ID\tName\n----\t----\n{rows}\n")


def _get_profile(conn: sqlite3.Connection, profile_id: str) -> dict[str, Any]:
    profile = db.get_profile(conn, profile_id)
    if profile is None:
        raise CliError(f"profile {profile_id} not found")
    return profile


def profile_show(env: Env, inv: Invocation) -> None:
    fmt = _check_format(inv)
    if inv.get("yq"):
        raise NotImplementedByFake("docker mcp profile show --yq")
    if inv.get("clients"):
        raise NotImplementedByFake("docker mcp profile show --clients")
    with _db(env) as conn:
        profile = _get_profile(conn, inv.args[0])
    if fmt == "json":
        json_out(env, catalog.go_json(profile_out(profile), indent=2) + "\n")
    else:
        out(_yaml_v3(profile_out(profile, yaml=True)) + "\n")


def _slug(name: str) -> str:
    return re.sub(r"[^a-zA-Z0-9]+", "_", name).lower()


def profile_create(env: Env, inv: Invocation) -> None:
    if inv.get("from-template"):
        raise NotImplementedByFake("docker mcp profile create --from-template")
    if inv.get("connect"):
        raise NotImplementedByFake("docker mcp profile create --connect")
    name = str(inv.get("name"))
    if not name:
        raise CliError("--name is required (or use --from-template)")
    with _db(env) as conn:
        profile_id = str(inv.get("id"))
        if profile_id and db.get_profile(conn, profile_id):
            raise CliError(f"profile with id {profile_id} already exists")
        if not profile_id:
            profile_id = _slug(name)
            if db.get_profile(conn, profile_id):
                raise CliError(
                    f'failed to create profile id: a profile with id "{profile_id}" already exists'
                )
        servers: list[dict[str, Any]] = []
        for uri in inv.get("server"):
            servers += resolve_server_uri(env, conn, uri)
        _check_unique(servers)
        profile = {
            "id": profile_id,
            "name": name,
            "servers": servers,
            "secrets": dict(db.SECRETS_DEFAULT),
        }
        db.save_profile(conn, profile, create=True)
    out(f"Created profile {profile_id} with {len(servers)} servers\n")


def _check_unique(servers: list[dict[str, Any]]) -> None:
    seen: set[str] = set()
    for server in servers:
        name = _server_name(server)
        if name in seen:
            raise CliError(f"invalid profile: duplicate server name {name}")
        if name:
            seen.add(name)


def profile_rm(env: Env, inv: Invocation) -> None:
    with _db(env) as conn:
        _get_profile(conn, inv.args[0])
        db.delete_profile(conn, inv.args[0])
    out(f"Removed profile {inv.args[0]}\n")


def profile_server_add(env: Env, inv: Invocation) -> None:
    profile_id = inv.args[0]
    uris = list(inv.get("server"))
    if not uris:
        raise CliError("at least one server must be specified")
    with _db(env) as conn:
        profile = _get_profile(conn, profile_id)
        secret = "default" if "default" in (profile.get("secrets") or {}) else ""
        added: list[dict[str, Any]] = []
        for uri in uris:
            try:
                added += resolve_server_uri(env, conn, uri)
            except CliError as err:
                raise CliError(f"invalid server value: {err.message}") from None
        for server in added:
            server["secrets"] = secret
        names = {_server_name(s) for s in added}
        kept = []
        for server in profile["servers"]:
            if _server_name(server) in names:
                out(f"Replaced server {_server_name(server)} in profile {profile_id}\n")
            else:
                kept.append(server)
        replaced = len(profile["servers"]) - len(kept)
        profile["servers"] = kept + added
        _check_unique(profile["servers"])
        db.save_profile(conn, profile, create=False)
    suffix = f" (replaced {replaced})" if replaced else ""
    out(f"Added {len(added)} server(s) to profile {profile_id}{suffix}\n")


def profile_server_remove(env: Env, inv: Invocation) -> None:
    profile_id = inv.args[0]
    names = set(inv.args[1:]) | set(inv.get("name"))
    if not names:
        raise CliError("at least one server must be specified")
    with _db(env) as conn:
        profile = _get_profile(conn, profile_id)
        kept = [s for s in profile["servers"] if _server_name(s) not in names]
        removed = len(profile["servers"]) - len(kept)
        if not removed:
            raise CliError("no matching servers found to remove")
        profile["servers"] = kept
        db.save_profile(conn, profile, create=False)
    out(f"Removed {removed} server(s) from profile {profile_id}\n")


def profile_server_ls(env: Env, inv: Invocation) -> None:
    """`ListServers`: profiles (by id) with their servers sorted by name."""
    fmt = _check_format(inv)
    name_filter, profile_filter = _filters(inv.get("filter"))
    with _db(env) as conn:
        profiles = db.list_profiles(conn, order_by_id=True)
    results = []
    for profile in profiles:
        if profile_filter and profile["id"] != profile_filter:
            continue
        servers = [
            s
            for s in profile["servers"]
            if _server_name(s) is not None and name_filter in str(_server_name(s)).lower()
        ]
        if servers:
            servers.sort(key=lambda s: str(_server_name(s)))
            results.append({"id": profile["id"], "name": profile["name"], "servers": servers})
    if fmt == "human":
        _search_table(results)
        return
    yaml = fmt == "yaml"
    body = [{**r, "servers": [_server_out(s, yaml=yaml) for s in r["servers"]]} for r in results]
    if yaml:
        out(_yaml_v3(body) + "\n")
    else:
        json_out(env, catalog.go_json(body, indent=2) + "\n")


def _filters(filters: list[str]) -> tuple[str, str]:
    name, profile = "", ""
    for item in filters:
        key, eq, value = item.partition("=")
        if not eq:
            raise CliError(f"invalid filter format: {item} (expected key=value)")
        if key == "name":
            name = value.lower()
        elif key == "profile":
            profile = value
        else:
            raise CliError(f"unsupported filter key: {key}")
    return name, profile


def _search_table(results: list[dict[str, Any]]) -> None:
    """formatting.PrettyPrintTable with header PROFILE | TYPE | IDENTIFIER."""
    if not results:
        out("No profiles found\n")
        return
    rows = [[r["id"], s["type"], str(_server_name(s))] for r in results for s in r["servers"]]
    rows.sort(key=lambda row: row[0].lower())
    header = ["PROFILE", "TYPE", "IDENTIFIER"]
    widths = [
        min(max(len(row[i]) for row in [header, *rows]), cap) for i, cap in enumerate((40, 10, 120))
    ]
    for row in [header, *rows]:
        cells = [
            (c if len(c) <= w else c[: w - 1] + "…").ljust(w)
            for c, w in zip(row, widths, strict=True)
        ]
        out(" | ".join(cells) + "\n")


# --------------------------------------------------------------------- server URIs (§2b)


def resolve_server_uri(env: Env, conn: sqlite3.Connection, uri: str) -> list[dict[str, Any]]:
    """`ResolveServersFromString`: catalog://, docker://, file:// (https:// not modelled)."""
    resolvers: dict[str, Callable[[Env, sqlite3.Connection, str], list[dict[str, Any]]]] = {
        "catalog://": _from_catalog,
        "docker://": _from_image,
        "file://": _from_file,
    }
    for prefix, resolver in resolvers.items():
        if uri.startswith(prefix):
            return resolver(env, conn, uri[len(prefix) :])
    if uri.startswith(("http://", "https://")):
        raise NotImplementedByFake("MCP Registry server references (https://...)")
    raise CliError(f"invalid server value: {uri}")


def normalize_ref(ref: str) -> str:
    """`oci.FullNameWithoutDigest`: drop docker.io/ and library/, default the tag to latest."""
    for prefix in ("index.docker.io/", "docker.io/"):
        ref = ref.removeprefix(prefix)
    ref = ref.removeprefix("library/")
    last = ref.rsplit("/", 1)[-1]
    return ref if ":" in last else f"{ref}:latest"


def _from_catalog(env: Env, conn: sqlite3.Connection, value: str) -> list[dict[str, Any]]:
    del env
    parts = value.split("/")
    if len(parts) < 2:
        raise CliError(f"invalid catalog URL: catalog://{value}")
    ref, wanted = normalize_ref("/".join(parts[:-1])), parts[-1]
    if not wanted:
        raise CliError(f"no servers specified in catalog URL: catalog://{value}")
    cat = db.get_catalog(conn, ref)
    if cat is None:
        raise CliError(f"catalog {ref} not found")
    patterns = wanted.split("+")
    chosen: dict[str, dict[str, Any]] = {}
    found: set[str] = set()
    for pattern in patterns:
        for server in cat["servers"]:
            name = _server_name(server) or ""
            if fnmatch.fnmatchcase(name, pattern):
                chosen.setdefault(name, server)
                found.add(pattern)
    missing = [p for p in patterns if p not in found]
    if missing:
        raise CliError(
            "servers matching the following patterns were not found in catalog: "
            f"[{' '.join(missing)}]"
        )
    return [_from_catalog_row(s, ref) for s in chosen.values()]


def _from_catalog_row(server: dict[str, Any], ref: str) -> dict[str, Any]:
    """`mapCatalogServersToWorkingSetServers` (config `{}` is dropped by omitempty)."""
    out_server = {"type": server["type"], "tools": server.get("tools"), "secrets": "default"}
    for key in ("source", "image", "endpoint"):
        if server.get(key):
            out_server[key] = server[key]
    out_server["catalog_ref"] = ref
    out_server["snapshot"] = server["snapshot"]
    return out_server


def _from_image(env: Env, conn: sqlite3.Connection, image: str) -> list[dict[str, Any]]:
    """Self-describing images: the fake knows the catalog's images and nothing else."""
    del conn
    base = image.split("@")[0].rsplit(":", 1)[0] if "/" in image else image
    for name, entry in state.docker_catalog(env)["registry"].items():
        if str(entry.get("image") or "").split("@")[0] == base and entry.get("type") == "server":
            snapshot = {"server": catalog.go_server(entry, name=name)}
            return [
                {
                    "type": "image",
                    "image": image,
                    "secrets": "default",
                    "tools": None,
                    "snapshot": snapshot,
                }
            ]
    raise CliError(f"failed to resolve image ref: image {image} is not a self-describing image")


def _from_file(env: Env, conn: sqlite3.Connection, path_text: str) -> list[dict[str, Any]]:
    """file:// paths resolve under ~/.docker/mcp/catalogs (a legacy catalog or one server)."""
    del conn
    root = (env.mcp_dir / "catalogs").resolve()
    path = (root / path_text).resolve() if not Path(path_text).is_absolute() else Path(path_text)
    if root not in path.parents and path != root:
        raise CliError(f"local file reference must resolve under {root}")
    if path.suffix not in (".yaml", ".yml"):
        raise NotImplementedByFake("file:// server references other than YAML")
    doc = catalog.read_catalog_file(path)
    entries = doc["registry"] if doc.get("registry") else {str(doc.get("name", "")): doc}
    servers = []
    for name, entry in entries.items():
        kind = "remote" if entry.get("type") == "remote" else "image"
        server: dict[str, Any] = {"type": kind, "secrets": "default", "tools": None}
        if kind == "image":
            server["image"] = str(entry.get("image") or "")
        else:
            server["endpoint"] = str((entry.get("remote") or {}).get("url") or "")
        server["snapshot"] = {"server": catalog.go_server(entry, name=name)}
        servers.append(server)
    return servers


# ---------------------------------------------------------------------- OCI catalog (§6.3)


def _catalog_out(cat: dict[str, Any], no_tools: bool) -> dict[str, Any]:
    """`CatalogWithDigest`: ref, source?, title, servers[type, tools?, image|endpoint, snapshot]."""
    body: dict[str, Any] = {"ref": cat["ref"]}
    if cat.get("source"):
        body["source"] = cat["source"]
    body["title"] = cat["title"]
    servers = []
    for server in cat["servers"]:
        item: dict[str, Any] = {"type": server["type"]}
        if server.get("tools") and not no_tools:
            item["tools"] = server["tools"]
        kind_key = {"registry": "source", "image": "image", "remote": "endpoint"}[server["type"]]
        if server.get(kind_key):
            item[kind_key] = server[kind_key]
        if server.get("snapshot") is not None:
            snapshot = server["snapshot"]
            if no_tools:
                snapshot = {"server": {k: v for k, v in snapshot["server"].items() if k != "tools"}}
            item["snapshot"] = snapshot
        servers.append(item)
    body["servers"] = servers
    body["digest"] = cat["digest"]
    return body


def catalog_show(env: Env, inv: Invocation) -> None:
    fmt = _check_format(inv)
    if inv.get("yq"):
        raise NotImplementedByFake("docker mcp catalog show --yq")
    raw = inv.args[0]
    if "@" in raw:
        raise CliError(f"reference {raw} must be a valid OCI reference without a digest")
    ref = normalize_ref(raw)
    with _db(env) as conn:
        cat = db.get_catalog(conn, ref)
        if cat is None and inv.get("pull") in ("missing", "always", "initial"):
            _pull(conn, ref)
            cat = db.get_catalog(conn, ref)
    if cat is None:
        raise CliError(f"catalog {ref} not found")
    body = _catalog_out(cat, bool(inv.get("no-tools")))
    if fmt == "json":
        json_out(env, catalog.go_json(body, indent=2) + "\n")
    else:  # human and yaml: goccy/go-yaml
        out(miniyaml.dump(body, indent=2) + "\n")


def _pull(conn: sqlite3.Connection, ref: str) -> None:
    if ref != catalog.OCI_CATALOG_REF:
        raise CliError(
            f"failed to pull catalog {ref}: failed to read OCI catalog: fake docker: only "
            f"{catalog.OCI_CATALOG_REF} is available offline"
        )
    sys.stderr.write(f"Pulling catalog {ref}...\n")
    db.upsert_docker_catalog(conn)
    conn.commit()


def catalog_pull(env: Env, inv: Invocation) -> None:
    ref = normalize_ref(inv.args[0])
    if ref != catalog.OCI_CATALOG_REF:
        raise CliError(
            f"failed to read OCI catalog: fake docker: only {catalog.OCI_CATALOG_REF} is "
            "available offline"
        )
    with _db(env) as conn:
        db.upsert_docker_catalog(conn)
        conn.commit()
    out(f"Catalog {ref} pulled\n")


def catalog_ls(env: Env, inv: Invocation) -> None:
    fmt = _check_format(inv)
    with _db(env) as conn:
        cats = db.list_catalogs(conn)
    if not cats and fmt == "human":
        out(
            "No catalogs found. Use `docker mcp catalog create` or `docker mcp catalog pull "
            "<oci-reference>` to create a catalog.\n"
        )
        return
    summaries = [{"ref": c["ref"], "digest": c["digest"], "title": c["title"]} for c in cats]
    if fmt == "json":
        json_out(env, catalog.go_json(summaries, indent=2) + "\n")
    elif fmt == "yaml":
        out(miniyaml.dump(summaries, indent=2) + "\n")
    else:
        rows = "\n".join(f"{s['ref']}\t| {s['digest']}\t| {s['title']}" for s in summaries)
        out(f"Reference | Digest | Title\n{rows}\n")
