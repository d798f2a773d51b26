"""`~/.docker/mcp/mcp-toolkit.db`, the profiles-era SQLite store (reference §7).

The schema is the real one: mcp-gateway `pkg/db/migrations/001..006`, applied the way
golang-migrate does it (a `schema_migrations` table with the last version). Rows hold the same
JSON the Go DAO writes (`pkg/db/workingset.go`, `pkg/db/catalog.go`), so a consumer that reads
the database directly sees real shapes.

Two things happen when the database is first created, as in the real plugin:
- `pkg/migrate`: servers enabled in a legacy `registry.yaml` become profile `default`
  ("Default Profile");
- the Docker OCI catalog `mcp/docker-mcp-catalog:latest` is present as if pulled, built from
  data/docker-mcp.yaml (unless `FAKE_DOCKER_MCP_PULL_CATALOG=0`).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from typing import Any

from . import catalog, state
from .env import DATA_DIR, Env

DB_FILE = "mcp-toolkit.db"

MIGRATIONS = (
    """create table working_set (
  id text primary key,
  name text not null,
  servers text not null CHECK (json_valid(servers)),
  secrets text not null CHECK (json_valid(secrets))
);""",
    """create table catalog (
  ref text primary key,
  digest text not null,
  title text not null,
  source text
);

create table catalog_server (
  id integer primary key,
  server_type text check(server_type in ('registry', 'image')),
  tools text CHECK (json_valid(tools)),
  source text,
  image text,
  snapshot text CHECK (json_valid(snapshot)),
  catalog_ref text not null,
  foreign key (catalog_ref) references catalog(ref) on delete cascade
);""",
    """alter table catalog add column last_updated DATETIME;
update catalog set last_updated = current_timestamp;""",
    """create table migration_status (
  id integer primary key,
  status text not null,
  logs text,
  last_updated DATETIME DEFAULT CURRENT_TIMESTAMP
);""",
    """CREATE TABLE catalog_server_new (
  id integer primary key,
  server_type text check(server_type in ('registry', 'image', 'remote')),
  tools text CHECK (json_valid(tools)),
  source text,
  image text,
  endpoint text,
  snapshot text CHECK (json_valid(snapshot)),
  catalog_ref text not null,
  foreign key (catalog_ref) references catalog(ref) on delete cascade
);
INSERT INTO catalog_server_new (id, server_type, tools, source, image, endpoint, snapshot,
  catalog_ref)
SELECT id, server_type, tools, source, image, '', snapshot, catalog_ref FROM catalog_server;
DROP TABLE catalog_server;
ALTER TABLE catalog_server_new RENAME TO catalog_server;""",
    """create table pull_record (
  id integer primary key,
  ref text not null unique,
  first_pulled datetime default current_timestamp
);""",
)

SECRETS_DEFAULT = {"default": {"provider": "docker-desktop-store"}}  # workingset.Create


def connect(env: Env) -> sqlite3.Connection:
    """Open (creating, migrating and seeding on first use) the profiles database."""
    path = env.mcp_dir / DB_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=5.0)
    conn.execute("pragma foreign_keys = on")
    if not _table_exists(conn, "schema_migrations"):
        _migrate(conn)
        if env.pull_catalog:
            upsert_docker_catalog(conn)
        _migrate_legacy_config(conn, env)
        conn.commit()
    return conn


def _table_exists(conn: sqlite3.Connection, name: str) -> bool:
    row = conn.execute("select 1 from sqlite_master where type='table' and name=?", (name,))
    return row.fetchone() is not None


def _migrate(conn: sqlite3.Connection) -> None:
    conn.execute('CREATE TABLE IF NOT EXISTS "schema_migrations" (version uint64,dirty bool)')
    conn.execute("CREATE UNIQUE INDEX IF NOT EXISTS version_unique ON schema_migrations (version)")
    for script in MIGRATIONS:
        conn.executescript(script)
    conn.execute("insert into schema_migrations (version, dirty) values (?, 0)", (len(MIGRATIONS),))


# ----------------------------------------------------------------------- OCI catalog rows


def oci_catalog_servers() -> list[dict[str, Any]]:
    """`catalog_next.Server`s built from the legacy catalog (`createCatalogFromLegacyCatalog`).

    `server` entries with an image become `image`, `remote` ones `remote`; others (`poci`) are
    skipped. Sorted by name. Snapshots carry tool descriptions and arguments, as OCI catalogs do.
    """
    doc = catalog.read_catalog_file(DATA_DIR / catalog.DOCKER_CATALOG_FILE)
    out = []
    for name in sorted(doc["registry"]):
        entry = doc["registry"][name]
        tools = catalog.detailed_tools(name, entry)
        snapshot = {"server": catalog.go_server(entry, name=name, tools=tools)}
        if entry.get("type") == "server" and entry.get("image"):
            out.append({"type": "image", "image": str(entry["image"]), "snapshot": snapshot})
        elif entry.get("type") == "remote":
            endpoint = str((entry.get("remote") or {}).get("url") or "")
            out.append({"type": "remote", "endpoint": endpoint, "snapshot": snapshot})
    return out


def artifact_digest(title: str, servers: list[dict[str, Any]]) -> str:
    body = catalog.go_json({"title": title, "servers": servers})
    return "sha256:" + hashlib.sha256(body.encode()).hexdigest()


def upsert_docker_catalog(conn: sqlite3.Connection) -> None:
    """`catalog pull mcp/docker-mcp-catalog:latest` (`pkg/db/catalog.go` UpsertCatalog)."""
    servers = oci_catalog_servers()
    title = "Docker MCP Catalog"
    ref = catalog.OCI_CATALOG_REF
    conn.execute("delete from catalog where ref = ?", (ref,))
    conn.execute(
        "insert into catalog (ref, digest, title, source, last_updated) "
        "values (?, ?, ?, ?, current_timestamp)",
        (ref, artifact_digest(title, servers), title, f"oci:{ref}"),
    )
    conn.executemany(
        "insert into catalog_server (server_type, tools, source, image, endpoint, catalog_ref, "
        "snapshot) values (?, ?, ?, ?, ?, ?, ?)",
        [
            (
                s["type"],
                "null",  # db.ToolList of a nil slice
                "",
                s.get("image", ""),
                s.get("endpoint", ""),
                ref,
                catalog.go_json(s["snapshot"]),
            )
            for s in servers
        ],
    )
    conn.execute("insert or ignore into pull_record (ref) values (?)", (ref,))


def get_catalog(conn: sqlite3.Connection, ref: str) -> dict[str, Any] | None:
    """A `catalognext.CatalogWithDigest`-shaped dict, or None (sql.ErrNoRows)."""
    row = conn.execute(
        "select ref, digest, title, source, last_updated from catalog where ref = ?", (ref,)
    ).fetchone()
    if row is None:
        return None
    servers = []
    for stype, tools, source, image, endpoint, snapshot in conn.execute(
        "select server_type, tools, source, image, endpoint, snapshot from catalog_server "
        "where catalog_ref = ? order by id",
        (ref,),
    ):
        server: dict[str, Any] = {"type": stype, "tools": json.loads(tools or "null")}
        server.update({"source": source or "", "image": image or "", "endpoint": endpoint or ""})
        server["snapshot"] = json.loads(snapshot) if snapshot else None
        servers.append(server)
    return {
        "ref": row[0],
        "digest": row[1],
        "title": row[2],
        "source": row[3] or "",
        "last_updated": row[4],
        "servers": servers,
    }


def list_catalogs(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    refs = [r[0] for r in conn.execute("select ref from catalog order by ref")]
    return [c for c in (get_catalog(conn, ref) for ref in refs) if c is not None]


# -------------------------------------------------------------------------- working sets


def get_profile(conn: sqlite3.Connection, profile_id: str) -> dict[str, Any] | None:
    row = conn.execute(
        "select id, name, servers, secrets from working_set where id = ?", (profile_id,)
    ).fetchone()
    return _profile_row(row) if row else None


def list_profiles(conn: sqlite3.Connection, *, order_by_id: bool = False) -> list[dict[str, Any]]:
    """`ListWorkingSets` has no ORDER BY (rowid order); `SearchWorkingSets` orders by id."""
    query = "select id, name, servers, secrets from working_set"
    rows = conn.execute(query + (" order by id" if order_by_id else "")).fetchall()
    return [_profile_row(r) for r in rows]


def _profile_row(row: tuple[str, str, str, str]) -> dict[str, Any]:
    return {
        "id": row[0],
        "name": row[1],
        "servers": json.loads(row[2]) or [],
        "secrets": json.loads(row[3]) or {},
    }


def save_profile(conn: sqlite3.Connection, profile: dict[str, Any], *, create: bool) -> None:
    servers = catalog.go_json([_db_server(s) for s in profile["servers"]])
    secrets = catalog.go_json(profile["secrets"])
    if create:
        conn.execute(
            "insert into working_set (id, name, servers, secrets) values (?, ?, ?, ?)",
            (profile["id"], profile["name"], servers, secrets),
        )
    else:
        conn.execute(
            "update working_set set name = ?, servers = ?, secrets = ? where id = ?",
            (profile["name"], servers, secrets, profile["id"]),
        )
    conn.commit()


def _db_server(server: dict[str, Any]) -> dict[str, Any]:
    """`db.Server` JSON: type, config?, secrets?, tools, source?, image?, endpoint?, ..."""
    out: dict[str, Any] = {"type": server["type"]}
    if server.get("config"):
        out["config"] = server["config"]
    if server.get("secrets"):
        out["secrets"] = server["secrets"]
    out["tools"] = server.get("tools")
    for key in ("source", "image", "endpoint", "catalog_ref"):
        if server.get(key):
            out[key] = server[key]
    if server.get("snapshot") is not None:
        out["snapshot"] = server["snapshot"]
    return out


def delete_profile(conn: sqlite3.Connection, profile_id: str) -> None:
    conn.execute("delete from working_set where id = ?", (profile_id,))
    conn.commit()


# ------------------------------------------------------------------ legacy -> profiles


def _migrate_legacy_config(conn: sqlite3.Connection, env: Env) -> None:
    """`pkg/migrate` MigrateConfig: legacy enabled servers become profile `default`."""
    names = state.enabled_servers(env)
    logs = []
    if names:
        servers = state.all_catalog_servers(env)
        config = state.user_config(env)
        tools = state.tools_config(env)
        profile: dict[str, Any] = {"servers": [], "secrets": dict(SECRETS_DEFAULT)}
        for name in names:
            entry = servers.get(name)
            server = _legacy_profile_server(name, entry, config.get(name), tools.get(name))
            if server is None:
                logs.append(f"server {name} not found in old catalog, skipping")
                continue
            profile["servers"].append(server)
            logs.append(f"added server {name} to profile")
        conn.execute(
            "insert into working_set (id, name, servers, secrets) values (?, ?, ?, ?)",
            (
                "default",
                "Default Profile",
                catalog.go_json([_db_server(s) for s in profile["servers"]]),
                catalog.go_json(profile["secrets"]),
            ),
        )
        logs.append(f"default profile created with {len(names)} servers")
    else:
        logs.append("no existing installed servers found, skipping default profile creation")
    conn.execute(
        "insert into migration_status (status, logs) values ('success', ?)", ("\n".join(logs),)
    )


def _legacy_profile_server(
    name: str, entry: dict[str, Any] | None, config: Any, tools: list[str] | None
) -> dict[str, Any] | None:
    if entry is None or entry.get("type") not in ("server", "remote"):
        return None
    server: dict[str, Any] = {"config": config or None, "tools": tools, "secrets": "default"}
    if entry["type"] == "server":
        server.update(type="image", image=str(entry.get("image") or ""))
    else:
        server.update(type="remote", endpoint=str((entry.get("remote") or {}).get("url") or ""))
    server["snapshot"] = {"server": catalog.go_server(entry, name=name)}
    return server
