"""Sharing scopes: which running instance of a server serves a session, and how it starts.

`global` (the default): one instance for everyone. `session`: a private instance per
client session, started in that session's working directory and stopped when it ends.
`project`: one instance per project (the client's first root, else its working
directory), shared by the sessions there and stopped after the last of them ends plus
the server's idle timeout.

Whatever the scope, a server starts with the environment of the session that caused it
to start (the variables its shim forwards, such as PATH), under the server's own `env`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mcp.client.stdio import get_default_environment

from mcpod.config import Scope, ServerConfig
from mcpod.daemon.upstream.transports import MARKER_ENV, OWNER_ENV

# The client capabilities an upstream can use through mcpod: its requests for them are
# forwarded to the session that caused them.
FORWARDED_CAPABILITIES = ("sampling", "elicitation", "roots")
# Which capability a server-to-client request needs.
NEEDS_CAPABILITY = {
    "sampling/createMessage": "sampling",
    "elicitation/create": "elicitation",
    "roots/list": "roots",
}


CONTROL_SESSION = "control"  # calls from the CLI (`mcpod call`): no session to serve


@dataclass(frozen=True, slots=True)
class Origin:
    """The session a server is started or used for: where it runs and what it may ask."""

    session_id: str
    cwd: str | None = None
    env: Mapping[str, str] = field(default_factory=dict)
    capabilities: Mapping[str, Any] = field(default_factory=dict)  # of FORWARDED_CAPABILITIES
    project: str | None = None  # the project directory, for `project` scope


def instance_key(scope: Scope, origin: Origin) -> str:
    """Which instance of a server of `scope` serves `origin` ("" is the shared one)."""
    if scope == "session":
        return f"session {origin.session_id}"
    if scope == "project":
        return f"project {origin.project or origin.cwd or '/'}"
    return ""


def launch_env(
    config: ServerConfig, origin: Origin | None, *, marker: str, owner: str
) -> dict[str, str]:
    """The environment of a stdio server: a safe base, the session's, the server's own.

    A Docker MCP gateway gets the daemon's whole environment as its base: `docker` reads
    DOCKER_HOST, DOCKER_CONTEXT, DOCKER_CONFIG and the like from it, as it would in the
    shell that started mcpod.
    """
    session = dict(origin.env) if origin is not None else {}
    base = dict(os.environ) if config.source == "docker" else get_default_environment()
    return {**base, **session, **config.env, MARKER_ENV: marker, OWNER_ENV: owner}


def launch_cwd(config: ServerConfig, origin: Origin | None) -> str | None:
    """Where a server runs: its configured `cwd`; else, when private to a session or a
    project, that session's or project's directory (if it is one here); else the daemon's."""
    if config.cwd or origin is None or config.scope == "global":
        return config.cwd
    place = origin.project or origin.cwd if config.scope == "project" else origin.cwd
    return place if place and os.path.isdir(place) else None


def merged_capabilities(sources: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The union of some sessions' forwardable capabilities, as an upstream is told them.

    `roots.listChanged` is always offered: mcpod forwards `notifications/roots/list_changed`.
    """
    merged: dict[str, dict[str, Any]] = {}
    for capabilities in sources:
        for key in FORWARDED_CAPABILITIES:
            value = capabilities.get(key)
            if isinstance(value, dict):
                merged.setdefault(key, {}).update(value)
    if "roots" in merged:
        merged["roots"] = {**merged["roots"], "listChanged": True}
    return dict(merged)
