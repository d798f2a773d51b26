"""The upstream pool and the aggregated, namespaced view of its tools, prompts, resources."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

import anyio
import anyio.abc

from mcpod.daemon.config import Config
from mcpod.daemon.naming import namespaced
from mcpod.daemon.upstream import ListKind, Upstream
from mcpod.protocol import McpodError, Paths

log = logging.getLogger(__name__)

Broadcast = Callable[[Upstream, set[ListKind]], Coroutine[Any, Any, None]]
Notify = Callable[[Upstream, str, dict[str, Any]], Coroutine[Any, Any, None]]


@dataclass
class Catalog:
    """What a session in `all` mode sees, rebuilt whenever an upstream's lists change."""

    tools: list[dict[str, Any]] = field(default_factory=list)
    prompts: list[dict[str, Any]] = field(default_factory=list)
    resources: list[dict[str, Any]] = field(default_factory=list)
    templates: list[dict[str, Any]] = field(default_factory=list)
    tool_routes: dict[str, tuple[Upstream, str]] = field(default_factory=dict)
    prompt_routes: dict[str, tuple[Upstream, str]] = field(default_factory=dict)
    resource_routes: dict[str, Upstream] = field(default_factory=dict)
    template_routes: list[tuple[re.Pattern[str], Upstream]] = field(default_factory=list)

    def upstream_for_uri(self, uri: str) -> Upstream | None:
        if uri in self.resource_routes:
            return self.resource_routes[uri]
        for pattern, upstream in self.template_routes:
            if pattern.fullmatch(uri):
                return upstream
        return None


class Pool:
    def __init__(
        self,
        config: Config,
        paths: Paths,
        task_group: anyio.abc.TaskGroup,
        broadcast: Broadcast,
        notify: Notify,
    ) -> None:
        self._broadcast = broadcast
        self.upstreams: dict[str, Upstream] = {
            server.name: Upstream(server, paths, task_group, self._lists_changed, notify)
            for server in config.enabled
        }
        self.config = config
        self._catalog: Catalog | None = None

    async def ensure_all(self) -> None:
        """Start every server not yet running, in parallel; wait for each to be ready or fail."""
        pending = [u for u in self.upstreams.values() if u.state != "ready"]
        if not pending:
            return
        async with anyio.create_task_group() as tg:
            for upstream in pending:
                tg.start_soon(_start_quietly, upstream)

    def get(self, name: str) -> Upstream:
        try:
            return self.upstreams[name]
        except KeyError:
            raise McpodError(f"no server named {name!r} in {self.config.path}") from None

    @property
    def catalog(self) -> Catalog:
        if self._catalog is None:
            self._catalog = build_catalog(self.upstreams.values())
        return self._catalog

    async def _lists_changed(self, upstream: Upstream, kinds: set[ListKind]) -> None:
        self._catalog = None
        if kinds:
            await self._broadcast(upstream, kinds)

    async def stop_all(self) -> None:
        async with anyio.create_task_group() as tg:
            for upstream in self.upstreams.values():
                tg.start_soon(upstream.stop)

    def status(self) -> list[dict[str, Any]]:
        running = [u.status() for u in self.upstreams.values()]
        disabled = [
            {"name": s.name, "transport": s.transport, "state": "disabled", "pid": None, "calls": 0}
            for s in self.config.servers.values()
            if s.disabled
        ]
        return running + disabled


async def _start_quietly(upstream: Upstream) -> None:
    try:
        await upstream.ensure_started()
    except McpodError as exc:
        log.info("%s", exc.message)


def build_catalog(upstreams: Any) -> Catalog:
    catalog = Catalog()
    for upstream in upstreams:
        lists = upstream.lists
        for tool in lists["tools"]:
            name = namespaced(upstream.name, str(tool.get("name", "")))
            catalog.tool_routes[name] = (upstream, tool["name"])
            catalog.tools.append({**tool, "name": name})
        for prompt in lists["prompts"]:
            name = namespaced(upstream.name, str(prompt.get("name", "")))
            catalog.prompt_routes[name] = (upstream, prompt["name"])
            catalog.prompts.append({**prompt, "name": name})
        for resource in lists["resources"]:
            catalog.resource_routes.setdefault(str(resource.get("uri")), upstream)
            catalog.resources.append(resource)
        for template in lists["resourceTemplates"]:
            pattern = template_pattern(str(template.get("uriTemplate", "")))
            catalog.template_routes.append((pattern, upstream))
            catalog.templates.append(template)
    return catalog


def template_pattern(template: str) -> re.Pattern[str]:
    """An RFC 6570 URI template as a regex: `{x}` one path segment, `{+x}`/`{/x*}` more."""
    out, pos = [], 0
    for match in re.finditer(r"\{([^}]*)\}", template):
        out.append(re.escape(template[pos : match.start()]))
        expr = match.group(1)
        out.append(".*" if expr[:1] in "+#/?&" or expr.endswith("*") else "[^/]*")
        pos = match.end()
    out.append(re.escape(template[pos:]))
    return re.compile("".join(out))
