"""The on-disk state under `~/.docker/mcp/` in the real file formats (reference §7).

Legacy era files: `registry.yaml` (enabled servers), `config.yaml`, `tools.yaml`,
`catalog.json` and `catalogs/docker-mcp.yaml`. The profiles era adds `mcp-toolkit.db`
(see `db.py`). Secrets live in the OS keychain through `docker pass` in the real product; the
double keeps them in `<home>/.fake-docker/keychain.json`, outside the Docker directories.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from . import catalog, miniyaml
from .env import Env

# ------------------------------------------------------------------------------- seeding


def local_rfc3339(moment: datetime | None = None) -> str:
    """Go `time.Now().Format(time.RFC3339)`: local time with its offset, whole seconds."""
    moment = (moment or datetime.now()).astimezone().replace(microsecond=0)
    text = moment.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text  # Go writes UTC as `Z`


def write_atomic(path: Path, data: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(data, encoding="utf-8")
    tmp.replace(path)


def catalog_file(env: Env, name: str = catalog.DOCKER_CATALOG_NAME) -> Path:
    return env.mcp_dir / "catalogs" / f"{name}.yaml"


def seed_docker_catalog(env: Env) -> None:
    """What `catalog import`/`update` of the Docker catalog leaves behind (§4.4, §7)."""
    write_atomic(catalog_file(env), catalog.data_catalog_text())
    config = read_catalog_config(env)
    config.setdefault("catalogs", {})[catalog.DOCKER_CATALOG_NAME] = {
        "displayName": "Docker MCP Catalog",
        "url": catalog.DOCKER_CATALOG_URL_V2,  # stays the v2 alias even though v3 is fetched
        "lastUpdate": local_rfc3339(),
    }
    write_catalog_config(env, config)


def ensure_seeded(env: Env) -> None:
    """Seed the legacy catalog on first use (the real CLI downloads it when missing)."""
    config = read_catalog_config(env)
    if (
        catalog.DOCKER_CATALOG_NAME not in config.get("catalogs", {})
        or not catalog_file(env).is_file()
    ):
        seed_docker_catalog(env)


def read_catalog_config(env: Env) -> dict[str, Any]:
    path = env.mcp_dir / "catalog.json"
    if not path.is_file():
        return {"catalogs": {}}
    data = catalog.as_dict(json.loads(path.read_text(encoding="utf-8") or "{}"))
    data.setdefault("catalogs", {})
    return data


def write_catalog_config(env: Env, config: dict[str, Any]) -> None:
    """`catalog.json`, indented 2 (§7)."""
    write_atomic(env.mcp_dir / "catalog.json", json.dumps(config, indent=2) + "\n")


def docker_catalog(env: Env) -> dict[str, Any]:
    """The Docker catalog document (`catalogs/docker-mcp.yaml`)."""
    ensure_seeded(env)
    return catalog.read_catalog_file(catalog_file(env))


def all_catalog_servers(env: Env) -> dict[str, dict[str, Any]]:
    """docker-mcp.yaml plus every other configured catalog (later ones win), as the gateway."""
    servers = dict(docker_catalog(env)["registry"])
    for name in read_catalog_config(env)["catalogs"]:
        path = catalog_file(env, name)
        if name != catalog.DOCKER_CATALOG_NAME and path.is_file():
            servers.update(catalog.read_catalog_file(path)["registry"])
    return servers


# ------------------------------------------------------------------ registry/config/tools


def _read_yaml(path: Path) -> Any:
    if not path.is_file():
        return None
    return miniyaml.load(path.read_text(encoding="utf-8"))


def enabled_servers(env: Env) -> list[str]:
    """`registry.yaml` keys, sorted (§4.1)."""
    doc = _read_yaml(env.mcp_dir / "registry.yaml") or {}
    registry = doc.get("registry") if isinstance(doc, dict) else None
    return sorted(registry) if isinstance(registry, dict) else []


def write_registry(env: Env, names: list[str] | None) -> None:
    """yaml.v3 with indent 2: `registry:\\n  name:\\n    ref: ""`; `reset` writes nothing."""
    if names is None:
        write_atomic(env.mcp_dir / "registry.yaml", "")
        return
    doc = {"registry": {name: {"ref": ""} for name in sorted(names)}}
    write_atomic(env.mcp_dir / "registry.yaml", miniyaml.dump(doc, indent=2, seq_indent=True))


def user_config(env: Env) -> dict[str, Any]:
    """`config.yaml`: server name -> config object (§4.6)."""
    doc = _read_yaml(env.mcp_dir / "config.yaml")
    return doc if isinstance(doc, dict) else {}


def tools_config(env: Env) -> dict[str, list[str]]:
    """`tools.yaml`: server -> enabled tools; a server absent from it has all tools (§7)."""
    doc = _read_yaml(env.mcp_dir / "tools.yaml")
    if not isinstance(doc, dict):
        return {}
    return {k: list(v or []) for k, v in doc.items()}


def write_tools_config(env: Env, tools: dict[str, list[str]]) -> None:
    doc = {k: sorted(v) for k, v in sorted(tools.items())}
    write_atomic(env.mcp_dir / "tools.yaml", miniyaml.dump(doc, indent=2, seq_indent=True))


# ------------------------------------------------------------------- docker config.json


def docker_config(env: Env) -> dict[str, Any]:
    path = env.docker_config
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


def hints_enabled(env: Env) -> bool:
    """Tips are on unless `"plugins": {"-x-cli-hints": {"enabled": "false"}}` (§1)."""
    plugins = docker_config(env).get("plugins") or {}
    hints = plugins.get("-x-cli-hints") or {}
    return str(hints.get("enabled", "true")).lower() != "false"


def feature_enabled(env: Env, name: str, default: bool) -> bool:
    """`features` in config.json (`dynamic-tools` and `mcp-oauth-dcr` default on, §4.8)."""
    value = (docker_config(env).get("features") or {}).get(name)
    if value is None:
        return default
    return str(value).lower() == "enabled"


# ------------------------------------------------------------------------------ secrets


def secrets(env: Env) -> dict[str, str]:
    """Secret name (without the `docker/mcp/` realm) -> value."""
    if not env.keychain.is_file():
        return {}
    return dict(json.loads(env.keychain.read_text(encoding="utf-8") or "{}"))


def write_secrets(env: Env, values: dict[str, str]) -> None:
    write_atomic(env.keychain, json.dumps(dict(sorted(values.items())), indent=2) + "\n")
