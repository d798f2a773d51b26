"""The Docker MCP catalog: the data files, and its JSON/YAML shapes as the Go code prints them.

The real CLI decodes the catalog YAML into Go structs (`pkg/catalog/types.go` Server, Tool, ...)
and re-encodes them, so what a consumer sees is the *struct* shape, not the file: unknown keys
vanish, zero-valued struct fields appear anyway, map keys come out sorted and `encoding/json`
escapes `<`, `>` and `&` (reference §4.4 "--format json, v0.38-v0.41"). `go_server()` rebuilds
that shape; `go_json()` reproduces the encoder.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

from . import miniyaml
from .env import DATA_DIR

DOCKER_CATALOG_NAME = "docker-mcp"  # cmd/docker-mcp/catalog/catalog.go DockerCatalogName
DOCKER_CATALOG_FILE = "docker-mcp.yaml"
DOCKER_CATALOG_URL_V2 = "https://desktop.docker.com/mcp/catalog/v2/catalog.yaml"
OCI_CATALOG_REF = "mcp/docker-mcp-catalog:latest"  # §2b: the profiles-era Docker catalog


def go_json(value: Any, indent: int | None = None) -> str:
    """`json.Marshal` / `json.MarshalIndent(v, "", "  ")` output for plain Python data."""
    if indent is None:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    else:
        text = json.dumps(value, ensure_ascii=False, indent=indent)
    # encoding/json HTML-escapes by default; these characters only occur inside strings.
    for char, escaped in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e")):
        text = text.replace(char, escaped)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def as_dict(value: Any) -> dict[str, Any]:
    """The value if it is a mapping, else `{}` (YAML fields may be absent or null)."""
    return value if isinstance(value, dict) else {}


def names_of(items: Any) -> list[str]:
    """`[{name: a}, {name: b}]` -> `["a", "b"]` (catalog tools and secrets lists)."""
    if not isinstance(items, list):
        return []
    return [str(i["name"]) for i in items if isinstance(i, dict) and i.get("name") is not None]


def sort_keys(value: Any) -> Any:
    """Go marshals `map[string]any` with sorted keys (catalog `config`, tool `inputSchema`)."""
    if isinstance(value, dict):
        return {k: sort_keys(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [sort_keys(v) for v in value]
    return value


@cache
def data_catalog_text() -> str:
    return (DATA_DIR / DOCKER_CATALOG_FILE).read_text(encoding="utf-8")


_PARSED: dict[tuple[str, int, int], dict[str, Any]] = {}


def read_catalog_file(path: Path) -> dict[str, Any]:
    """Parse a legacy catalog file (§6.1); memoised per (path, mtime, size) in this process."""
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    if key not in _PARSED:
        doc = _parse_cached(path.read_bytes()) or {}
        if not isinstance(doc, dict):
            raise ValueError(f"{path}: not a catalog document")
        doc.setdefault("registry", {})
        _PARSED[key] = doc
    return _PARSED[key]


def _parse_cached(data: bytes) -> Any:
    """YAML parsing costs ~0.1 s per process; keep parses as JSON keyed by content hash.

    The cache (`$FAKE_DOCKER_CACHE_DIR`, default a per-user temp dir) is shared by every test,
    so only the first invocation on a given catalog text pays for the parse.
    """
    root = os.environ.get("FAKE_DOCKER_CACHE_DIR") or tempfile.gettempdir()
    cache = (
        Path(root) / f"fake-docker-mcp-{os.getuid()}" / f"{hashlib.sha256(data).hexdigest()}.json"
    )
    try:
        return json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    doc = miniyaml.load(data.decode("utf-8"))
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_name(f".{cache.name}.{os.getpid()}")
        tmp.write_text(json.dumps(doc), encoding="utf-8")
        tmp.replace(cache)
    except OSError:
        pass  # a read-only temp dir only costs speed
    return doc


@cache
def data_tools(server: str) -> tuple[dict[str, Any], ...]:
    """The toolsUrl JSON of a server (§6.4), from data/tools; empty if unknown."""
    path = DATA_DIR / "tools" / f"{server}.json"
    if not path.is_file():
        return ()
    return tuple(json.loads(path.read_text(encoding="utf-8")))


def data_readme(server: str, entry: dict[str, Any]) -> str:
    """The readme `server inspect` downloads; a one-liner where data/readme has none."""
    path = DATA_DIR / "readme" / f"{server}.md"
    if path.is_file():
        return path.read_text(encoding="utf-8")
    title = entry.get("title") or server
    return f"# {title}\n\n{entry.get('description', '')}\n"


def is_dynamic(entry: dict[str, Any]) -> bool:
    """`dynamic.tools: true`: tools are only known at run time (remote servers)."""
    dynamic = entry.get("dynamic")
    return isinstance(dynamic, dict) and bool(dynamic.get("tools"))


# ------------------------------------------------------------------ Go struct re-encoding


def _str(value: Any) -> str:
    return "" if value is None else str(value)


def _str_list(value: Any) -> list[str] | None:
    if not isinstance(value, list) or not value:
        return None
    return [_str(v) for v in value]


def _remote(entry: dict[str, Any]) -> dict[str, Any]:
    remote = as_dict(entry.get("remote"))
    out: dict[str, Any] = {}
    if remote.get("url"):
        out["url"] = _str(remote["url"])
    if remote.get("transport_type"):
        out["transport_type"] = _str(remote["transport_type"])
    if remote.get("headers"):
        out["headers"] = {k: _str(v) for k, v in sorted(remote["headers"].items())}
    return out


def _oauth(entry: dict[str, Any]) -> dict[str, Any] | None:
    oauth = entry.get("oauth")
    if not isinstance(oauth, dict):
        return None
    out: dict[str, Any] = {}
    providers = []
    for provider in oauth.get("providers") or []:
        item = {"provider": _str(provider.get("provider"))}
        for key in ("secret", "env"):
            if provider.get(key):
                item[key] = _str(provider[key])
        providers.append(item)
    if providers:
        out["providers"] = providers
    if oauth.get("scopes"):
        out["scopes"] = _str_list(oauth["scopes"])
    return out


def _pairs(items: Any, second: str) -> list[dict[str, str]] | None:
    """`secrets: [{name, env}]` and `env: [{name, value}]`: other keys are dropped."""
    if not isinstance(items, list) or not items:
        return None
    return [{"name": _str(i.get("name")), second: _str(i.get(second))} for i in items]


def _metadata(entry: dict[str, Any]) -> dict[str, Any] | None:
    meta = entry.get("metadata")
    if not isinstance(meta, dict):
        return None
    order = ("pulls", "stars", "githubStars", "category", "tags", "license", "owner", "registryUrl")
    return {k: meta[k] for k in order if meta.get(k)}


def _tool_arguments(tool: dict[str, Any]) -> list[dict[str, Any]] | None:
    if "arguments" not in tool or tool["arguments"] is None:
        return None
    out = []
    for arg in tool["arguments"]:
        item: dict[str, Any] = {"name": _str(arg.get("name")), "type": _str(arg.get("type"))}
        if isinstance(arg.get("items"), dict):
            item["items"] = {"type": _str(arg["items"].get("type"))}
        item["desc"] = _str(arg.get("desc"))
        if arg.get("optional"):
            item["optional"] = True
        out.append(item)
    return out


def _annotations(tool: dict[str, Any]) -> dict[str, Any] | None:
    ann = tool.get("annotations")
    if not isinstance(ann, dict):
        return None
    order = ("title", "readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint")
    return {k: ann[k] for k in order if k in ann and ann[k] not in (None, "")}


def go_tool(tool: dict[str, Any], *, yaml: bool = False) -> dict[str, Any]:
    """One `catalog.Tool`: `container` and `parameters` always appear in JSON (§4.4)."""
    out: dict[str, Any] = {
        "name": _str(tool.get("name")),
        "description": _str(tool.get("description")),
    }
    arguments = _tool_arguments(tool)
    if arguments is not None:
        out["arguments"] = arguments
    annotations = _annotations(tool)
    if annotations is not None:
        out["annotations"] = annotations
    container = as_dict(tool.get("container"))
    params = as_dict(tool.get("parameters"))
    go_container = {
        "image": _str(container.get("image")),
        "command": _str_list(container.get("command")),
        "volumes": _str_list(container.get("volumes")),
    }
    if container.get("user"):
        go_container["user"] = _str(container["user"])
    go_params = {
        "type": _str(params.get("type")),
        "properties": sort_keys(params["properties"]) if params.get("properties") else None,
        "required": _str_list(params.get("required")),
    }
    if not yaml or any(v for v in go_container.values()):
        out["container"] = go_container
    if not yaml or any(v for v in go_params.values()):
        out["parameters"] = go_params
    return out


def go_server(
    entry: dict[str, Any],
    *,
    name: str | None = None,
    tools: list[dict[str, Any]] | None = None,
    yaml: bool = False,
) -> dict[str, Any]:
    """A `catalog.Server` as `encoding/json` (or yaml.v3 with `yaml=True`) writes it.

    `name` is set only where the Go code sets it (OCI snapshots); the legacy catalog leaves it
    empty, so it is omitted. `tools` replaces the catalog's name-only tool list (OCI catalogs
    carry descriptions and arguments).
    """
    out: dict[str, Any] = {}
    if name:
        out["name"] = name
    out["type"] = _str(entry.get("type"))
    out["image"] = _str(entry.get("image"))
    for key in ("description", "title", "icon", "readme"):
        if entry.get(key):
            out[key] = _str(entry[key])
    if entry.get("longLived"):
        out["longLived"] = True
    out["remote"] = _remote(entry)
    if entry.get("sseEndpoint"):
        out["sseEndpoint"] = _str(entry["sseEndpoint"])
    _put(out, "oauth", _oauth(entry))
    _put(out, "secrets", _pairs(entry.get("secrets"), "env"))
    _put(out, "env", _pairs(entry.get("env"), "value"))
    for key in ("command", "volumes"):
        _put(out, key, _str_list(entry.get(key)))
    if entry.get("user"):
        out["user"] = _str(entry["user"])
    if entry.get("disableNetwork"):
        out["disableNetwork"] = True
    for key in ("allowHosts", "extraHosts"):
        _put(out, key, _str_list(entry.get(key)))
    tool_list = tools if tools is not None else entry.get("tools") or []
    if tool_list:
        out["tools"] = [go_tool(t, yaml=yaml) for t in tool_list]
    if entry.get("config"):
        out["config"] = sort_keys(entry["config"])
    if entry.get("prefix"):
        out["prefix"] = _str(entry["prefix"])
    _put(out, "metadata", _metadata(entry))
    return out


def _put(out: dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        out[key] = value


def detailed_tools(server: str, entry: dict[str, Any]) -> list[dict[str, Any]]:
    """Tool definitions with descriptions: data/tools when present, else the catalog names."""
    tools = list(data_tools(server))
    if tools:
        return tools
    return [{"name": t.get("name")} for t in entry.get("tools") or [] if isinstance(t, dict)]
