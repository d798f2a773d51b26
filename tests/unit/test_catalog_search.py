from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from mcpod.daemon.catalog import Catalog, estimate_tokens
from mcpod.daemon.config import Config, Profile, ServerConfig
from mcpod.daemon.exposure import choose_surface
from mcpod.daemon.metatools import META_TOOLS
from mcpod.daemon.search import Document, SearchIndex, tokenize
from mcpod.daemon.store import SCHEMA_VERSION, Store, StoreError
from mcpod.protocol import RpcError

RESERVED_BY_DOCKER = {
    "mcp-find",
    "mcp-add",
    "mcp-remove",
    "mcp-exec",
    "mcp-config-set",
    "code-mode",
}


def server(name: str, **kw: object) -> ServerConfig:
    return ServerConfig(name=name, transport="stdio", command="x", **kw)  # type: ignore[arg-type]


def tool(name: str, description: str) -> dict[str, object]:
    return {"name": name, "description": description, "inputSchema": {"type": "object"}}


@pytest.fixture
def catalog() -> Catalog:
    c = Catalog()
    c.configure(
        [server("github"), server("slack"), server("postgres", env={"PG_PASSWORD": "x"})], {}
    )
    c.update("github", {"tools": [
        tool("create_pull_request", "Create a new pull request in a GitHub repository"),
        tool("list_issues", "List issues in a repository"),
        tool("get_file_contents", "Get the contents of a file from a repository"),
    ]}, {}, 1.0)  # fmt: skip
    c.update("slack", {"tools": [
        tool("slack_post_message", "Post a new message to a Slack channel"),
        tool("slack_list_channels", "List public channels in the workspace"),
    ]}, {}, 1.0)  # fmt: skip
    c.update(
        "postgres",
        {"tools": [tool("query", "Run a read-only SQL query against the database")]},
        {},
        1.0,
    )
    return c


def test_tokenizer_splits_identifiers_and_stems() -> None:
    assert tokenize("createPullRequest get_file-contents HTTPServer") == [
        "create", "pull", "request", "file", "content", "http", "server",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("open a PR on my repo", ("github", "create_pull_request")),
        ("send a message to the team channel", ("slack", "slack_post_message")),
        ("run sql against my db", ("postgres", "query")),
        ("pul reqest", ("github", "create_pull_request")),  # typos
        ("slack_list_chan", ("slack", "slack_list_channels")),  # typed so far (prefix)
    ],
)
def test_search_ranks_the_right_tool_first(
    catalog: Catalog, query: str, expected: tuple[str, str]
) -> None:
    hits = catalog.search(query, 3)
    assert (hits[0].server, hits[0].tool) == expected


def test_search_respects_the_allowed_servers(catalog: Catalog) -> None:
    assert all(h.server == "slack" for h in catalog.search("list", 10, {"slack"}))
    assert catalog.search("zzzz qqqq", 5) == []


def test_views_namespace_and_routes_resolve(catalog: Catalog) -> None:
    view = catalog.view(frozenset({"slack"}))
    assert [t["name"] for t in view.tools] == [
        "slack__slack_post_message",
        "slack__slack_list_channels",
    ]
    assert catalog.tool_routes["github__list_issues"] == ("github", "list_issues")
    assert (
        catalog.entries["postgres"].needs_credentials
        and not catalog.entries["slack"].needs_credentials
    )


def test_meta_tools_fit_the_token_budget_and_avoid_reserved_names() -> None:
    assert sum(estimate_tokens(t) for t in META_TOOLS) < 1000
    assert not {t["name"] for t in META_TOOLS} & RESERVED_BY_DOCKER
    assert all(len(t["name"]) <= 64 for t in META_TOOLS)


def test_store_persists_catalog_stats_and_history(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    store = Store(path)
    store.save_catalog("github", "h1", {"name": "gh"}, {"tools": [tool("a", "b")]})
    store.count_call("github", "a", 12.5, ok=True)
    store.count_call("github", "a", 7.5, ok=False)
    store.record_activation("s1", "cursor", ["github", "slack"], "task")
    store.close()  # flushes the counted calls
    again = Store(path)
    assert again.load_catalog()["github"]["lists"]["tools"][0]["name"] == "a"
    assert again.tool_stats()[("github", "a")] | {"last_called": None} == {
        "calls": 2, "errors": 1, "total_ms": 20.0, "last_called": None,
    }  # fmt: skip
    assert again.co_activations()[("github", "slack")] == 1
    again.forget_servers({"slack"})
    assert again.load_catalog() == {}
    again.close()


def test_store_refuses_a_newer_schema(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    Store(path).close()
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    with pytest.raises(StoreError, match="newer than this mcpod"):
        Store(path)


def test_stale_catalog_entries_are_not_used(tmp_path: Path) -> None:
    stored = {
        "github": {
            "config_hash": "old",
            "fetched_at": 1.0,
            "server_info": {},
            "lists": {"tools": [tool("x", "y")]},
        }
    }
    c = Catalog()
    c.configure([server("github")], stored)
    assert not c.entries["github"].indexed and c.entries["github"].lists["tools"] == []


def config(**kw: object) -> Config:
    servers = {n: server(n) for n in ("a", "b", "c")}
    return Config(path=Path("/c.json"), servers=servers, **kw)  # type: ignore[arg-type]


def test_surface_precedence_args_profile_client_default() -> None:
    cfg = config(
        mode="lazy",
        profiles={"p": Profile("p", servers=("a", "b"), mode="all", always_on=("a",))},
        clients={"cursor": Profile("cursor", mode="all")},
    )
    assert choose_surface(cfg, {}, None).mode == "lazy"
    assert choose_surface(cfg, {}, "cursor").mode == "all"
    assert choose_surface(cfg, {"mode": "lazy"}, "cursor").mode == "lazy"
    surface = choose_surface(cfg, {"profile": "p"}, None)
    assert surface.mode == "all" and surface.allowed == {"a", "b"}
    lazy = choose_surface(cfg, {"profile": "p", "mode": "lazy"}, None)
    assert lazy.visible() == {"a"}  # alwaysOn
    with pytest.raises(RpcError, match="unknown profile 'q'"):
        choose_surface(cfg, {"profile": "q"}, None)


def test_search_is_deterministic_for_equal_scores() -> None:
    docs = [Document(("s", n), {"name": ["same"]}) for n in ("b", "a")]
    index = SearchIndex.build(docs)
    assert [h.tool for h in index.search("same")] == ["a", "b"]
