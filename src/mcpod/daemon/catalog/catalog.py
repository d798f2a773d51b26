"""The catalog: what every configured server offers, known whether or not it runs.

Entries come from the state store at start-up (so listing and search work before any
server is started) and are replaced whenever a running server reports its lists. Views
(the namespaced tools of a set of servers), routes and the search index are derived,
and rebuilt whenever an entry changes.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mcpod.config import ServerConfig
from mcpod.daemon.catalog.naming import namespaced
from mcpod.daemon.catalog.search import (
    Document,
    Hit,
    SearchIndex,
    known_share,
    plain_words,
    tokenize,
    unknown_words,
)
from mcpod.daemon.catalog.semantic import (
    CANDIDATES,
    ENGLISH_KNOWN_SHARE,
    NOTHING_FITS_BELOW,
    ONE_MODEL_WEIGHT,
    WITH_ENGLISH_WEIGHTS,
    Key,
    SemanticIndex,
    fuse,
    tool_text,
)
from mcpod.daemon.catalog.tokens import estimate_tokens, one_line
from mcpod.daemon.catalog.uris import UriRoutes

KINDS = ("tools", "prompts", "resources", "resourceTemplates")
SERVER_WEIGHT = 0.2  # of a server's match, added to its tools' (chosen on the tuning set)
SERVERS_LIFTED = 5  # the best-matching servers whose tools are lifted
_SECRET_NAME = re.compile(r"(TOKEN|KEY|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH)", re.I)

Lists = dict[str, list[dict[str, Any]]]


def config_hash(server: ServerConfig) -> str:
    """Identifies the config a catalog entry was fetched under (secrets only hashed)."""
    fields = {
        "transport": server.transport, "command": server.command, "args": list(server.args),
        "env": server.env, "cwd": server.cwd, "url": server.url, "headers": server.headers,
    }  # fmt: skip
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()[:16]


@dataclass
class ServerEntry:
    name: str
    config_hash: str
    title: str = ""
    description: str = ""
    category: str = "uncategorized"
    needs_credentials: bool = False
    source: str = "config"
    runnable: bool = True  # False: known from a source (Docker's catalog) but not enabled
    lists: Lists = field(default_factory=lambda: {k: [] for k in KINDS})
    fetched_at: float | None = None  # None: never indexed under this config

    @property
    def indexed(self) -> bool:
        return self.fetched_at is not None

    @property
    def tokens(self) -> int:
        return sum(estimate_tokens(t) for t in self.lists["tools"])


@dataclass
class View:
    """The namespaced tools, prompts and resources of a set of servers."""

    tools: list[dict[str, Any]]
    prompts: list[dict[str, Any]]
    resources: list[dict[str, Any]]
    templates: list[dict[str, Any]]


class Catalog:
    def __init__(self) -> None:
        self.entries: dict[str, ServerEntry] = {}
        self.tool_routes: dict[str, tuple[str, str]] = {}  # exposed name -> (server, tool)
        self.prompt_routes: dict[str, tuple[str, str]] = {}
        self._uris = UriRoutes({})
        self._views: dict[frozenset[str], View] = {}
        self._index: SearchIndex | None = None
        self._server_index: SearchIndex | None = None
        # Set by the daemon when the extra is there: the multilingual model's index, and
        # the English model's (see `semantic.py`).
        self.semantic: SemanticIndex | None = None
        self.english: SemanticIndex | None = None
        self.semantic_stale = True  # the semantic index lags the entries (see `semantic_docs`)

    # -- building ------------------------------------------------------------------------

    def configure(self, servers: list[ServerConfig], stored: dict[str, dict[str, Any]]) -> None:
        """Entries for `servers`; stored lists are used only if fetched under the same config."""
        for server in servers:
            entry = ServerEntry(
                name=server.name,
                config_hash=config_hash(server),
                title=server.title or server.name,
                description=server.description,
                category=server.category or "uncategorized",
                needs_credentials=_uses_secrets(server),
                source=server.source,
            )
            saved = stored.get(server.name)
            if saved and saved["config_hash"] == entry.config_hash:
                self._absorb(entry, saved["lists"], saved["server_info"])
                entry.fetched_at = saved["fetched_at"]
            self.entries[server.name] = entry
        self._changed()

    def offer(
        self,
        name: str,
        *,
        title: str,
        description: str,
        category: str,
        tools: list[dict[str, Any]],
        runnable: bool,
        source: str,
        now: float,
    ) -> None:
        """What a source says a server offers, without starting it: a configured server
        not indexed yet gets these tools; an unconfigured one gets an entry of its own,
        listed and searchable but never in a session's view (`runnable` False)."""
        entry = self.entries.get(name)
        if entry is None or not entry.runnable:
            entry = self.entries[name] = ServerEntry(
                name=name, config_hash="", title=title or name, description=description,
                category=category or "uncategorized", source=source, runnable=runnable,
            )  # fmt: skip
        elif entry.indexed or not tools:
            return
        self._absorb(entry, {"tools": tools}, {})
        entry.fetched_at = now
        self._changed()

    def forget_offered(self, keep: set[str]) -> None:
        """Drop the entries of unconfigured servers a source no longer offers."""
        gone = {n for n, e in self.entries.items() if not e.runnable and n not in keep}
        if gone:
            self.remove(gone)

    def remove(self, names: set[str]) -> None:
        """Forget servers no longer configured (their tools leave every view and route)."""
        for name in names:
            self.entries.pop(name, None)
        self._changed()

    def update(self, name: str, lists: Lists, server_info: dict[str, Any], now: float) -> bool:
        """Replace a server's lists with what it just reported; True if anything changed."""
        entry = self.entries[name]
        before = (entry.lists, entry.description, entry.title)
        self._absorb(entry, lists, server_info)
        changed = before != (entry.lists, entry.description, entry.title) or not entry.indexed
        entry.fetched_at = now
        if changed:
            self._changed()
        return changed

    def _absorb(
        self, entry: ServerEntry, lists: dict[str, Any], server_info: dict[str, Any]
    ) -> None:
        entry.lists = {
            kind: [i for i in lists.get(kind, []) if isinstance(i, dict)] for kind in KINDS
        }
        if not entry.description:
            entry.description = one_line(
                server_info.get("description") or server_info.get("instructions")
            )
        if entry.title == entry.name and server_info.get("title"):
            entry.title = str(server_info["title"])

    def _changed(self) -> None:
        self._views.clear()
        self._index = None
        self._server_index = None
        self.semantic_stale = True
        self._uris = UriRoutes({n: e.lists for n, e in self.entries.items()})
        self.tool_routes = self._routes("tools")
        self.prompt_routes = self._routes("prompts")

    def _routes(self, kind: str) -> dict[str, tuple[str, str]]:
        return {
            namespaced(entry.name, str(item.get("name"))): (entry.name, str(item.get("name")))
            for entry in self.entries.values()
            for item in entry.lists[kind]
        }

    # -- views ---------------------------------------------------------------------------

    def view(self, servers: frozenset[str]) -> View:
        cached = self._views.get(servers)
        if cached is None:
            cached = self._views[servers] = self._build_view(servers)
        return cached

    def _build_view(self, servers: frozenset[str]) -> View:
        view = View([], [], [], [])
        for name in sorted(servers):
            entry = self.entries.get(name)
            if entry is None:
                continue
            view.tools += _renamed(name, entry.lists["tools"])
            view.prompts += _renamed(name, entry.lists["prompts"])
            view.resources += entry.lists["resources"]
            view.templates += entry.lists["resourceTemplates"]
        return view

    def owner_of_uri(self, uri: str, servers: frozenset[str]) -> str | None:
        return self._uris.owner(uri, servers)

    # -- search --------------------------------------------------------------------------

    @property
    def index(self) -> SearchIndex:
        if self._index is None:
            self._index = SearchIndex.build(self._documents())
        return self._index

    @property
    def server_index(self) -> SearchIndex:
        """One document per server (name, title, description): what a product name hits."""
        if self._server_index is None:
            self._server_index = SearchIndex.build(
                Document(
                    key=(entry.name, ""),
                    fields={
                        "name": tokenize(entry.name),
                        "title": tokenize(entry.title),
                        "description": tokenize(entry.description),
                    },
                )
                for entry in self.entries.values()
            )
        return self._server_index

    def lexical(
        self,
        query: str,
        limit: int,
        servers: set[str] | None = None,
        *,
        related: Mapping[str, Sequence[str]] | None = None,
    ) -> list[Hit]:
        """Tools ranked by their own words, each lifted by how well its server matches:
        a request that names a product finds that product's tools even with a verb they
        do not use. Scores are relative to the best tool (1.0) plus the lift. `related`:
        see `SearchIndex.search`."""
        hits = self.index.search(query, max(limit, CANDIDATES), servers, related=related)
        if not hits:
            return []
        matched = self.server_index.search(query, SERVERS_LIFTED, servers)
        lift = {hit.server: hit.score / matched[0].score for hit in matched} if matched else {}
        best = hits[0].score
        ranked = [
            Hit(hit.server, hit.tool, hit.score / best + SERVER_WEIGHT * lift.get(hit.server, 0.0))
            for hit in hits
        ]
        ranked.sort(key=lambda hit: (-hit.score, hit.server, hit.tool))
        return ranked[:limit]

    def _documents(self) -> list[Document]:
        docs = []
        for entry in self.entries.values():
            server_text = tokenize(f"{entry.description} {entry.category}")
            for tool in entry.lists["tools"]:
                docs.append(
                    Document(
                        key=(entry.name, str(tool.get("name"))),
                        fields={
                            "name": tokenize(str(tool.get("name", ""))),
                            "server": tokenize(entry.name),
                            "title": tokenize(_tool_title(tool, entry)),
                            # A tool with no description of its own (some servers list
                            # names only) is described by its server.
                            "description": tokenize(
                                str(tool.get("description") or entry.description)
                            ),
                            "params": tokenize(_parameter_text(tool)),
                            "server_text": server_text,
                        },
                    )
                )
        return docs

    def search(self, query: str, limit: int, servers: set[str] | None = None) -> list[Hit]:
        """Ranked tools: lexical, fused with the semantic rankings when there are any."""
        multilingual = self.semantic if self.semantic is not None and self.semantic.ready else None
        english = self.english if self.english is not None and self.english.ready else None
        if multilingual is None and english is None:
            return self.lexical(query, limit, servers)
        unknown = unknown_words(query, self.index.postings)  # for both uses below
        if english is not None and not _in_english(query, unknown):
            english = None
        models = [index for index in (multilingual, english) if index is not None]
        if not models:  # the English model alone, and a request it cannot read
            return self.lexical(query, limit, servers)
        related = multilingual.related_words(unknown) if multilingual is not None else {}
        found = self.lexical(query, CANDIDATES, servers, related=related)
        lexical = [((h.server, h.tool), h.score) for h in found]
        weights = WITH_ENGLISH_WEIGHTS if len(models) == 2 else (ONE_MODEL_WEIGHT,)
        rankings = [
            (weight, index.search(query, CANDIDATES, servers))
            for weight, index in zip(weights, models, strict=True)
        ]
        fused = fuse(lexical, rankings, limit)
        return [Hit(server, tool, score) for (server, tool), score in fused]

    def fits(self, query: str, servers: set[str] | None = None) -> bool | None:
        """Does any tool fit `query` well? None when that cannot be told (no semantic
        ranking yet); False when even the closest tool is far from it."""
        semantic = self.semantic
        if semantic is None or not semantic.ready:
            return None
        closest = semantic.search(query, 1, servers)
        return bool(closest) and closest[0][1] >= NOTHING_FITS_BELOW

    def semantic_words(self) -> list[str]:
        """The words of the tools' names and descriptions (ASCII, 3 letters or more):
        what a query's unknown words are related to (`SemanticIndex.related_words`)."""
        words: set[str] = set()
        for entry in self.entries.values():
            for tool in entry.lists["tools"]:
                words.update(plain_words(f"{tool.get('name', '')} {tool.get('description') or ''}"))
        return sorted(words)

    def semantic_docs(self) -> list[tuple[Key, str]]:
        """Every tool as the semantic index embeds it."""
        return [
            ((entry.name, str(tool.get("name"))), tool_text(entry.title, entry.description, tool))
            for entry in self.entries.values()
            for tool in entry.lists["tools"]
        ]

    def tool(self, server: str, name: str) -> dict[str, Any] | None:
        entry = self.entries.get(server)
        if entry is None:
            return None
        return next((t for t in entry.lists["tools"] if t.get("name") == name), None)


def _in_english(query: str, unknown: Sequence[str]) -> bool:
    """Is `query` a request the English model can read? ASCII, and mostly words the
    tools use (a request in Spanish or German is ASCII too, but not in their words).
    On the tuning sets this tells 95% of the requests apart; on a small catalog, whose
    tools use few words, it says no more often: then the multilingual model ranks alone,
    as it does for any request when the English model is not there."""
    return query.isascii() and known_share(query, unknown) >= ENGLISH_KNOWN_SHARE


def _renamed(server: str, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**item, "name": namespaced(server, str(item.get("name")))} for item in items]


def _tool_title(tool: dict[str, Any], entry: ServerEntry) -> str:
    annotations = tool.get("annotations") or {}
    title = tool.get("title") or annotations.get("title") or ""
    return f"{title} {entry.title} {entry.category}"


def _parameter_text(tool: dict[str, Any]) -> str:
    """The names and descriptions of a tool's parameters: what it acts on ("owner repo
    branch", "sql", "latitude longitude") is often only there."""
    schema = tool.get("inputSchema")
    properties = schema.get("properties") if isinstance(schema, dict) else None
    if not isinstance(properties, dict):
        return ""
    words = []
    for name, spec in properties.items():
        words.append(str(name))
        if isinstance(spec, dict) and isinstance(spec.get("description"), str):
            words.append(spec["description"][:200])
    return " ".join(words)


def _uses_secrets(server: ServerConfig) -> bool:
    names = list(server.env) + list(server.headers)
    return any(_SECRET_NAME.search(name) for name in names)
