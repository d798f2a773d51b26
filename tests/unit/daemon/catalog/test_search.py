from __future__ import annotations

import pytest

from mcpod.config import ServerConfig
from mcpod.daemon.catalog import Catalog
from mcpod.daemon.catalog.search import Document, SearchIndex, tokenize


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


def test_resource_uris_route_to_the_listing_server_or_template() -> None:
    c = Catalog()
    c.configure([server("docs"), server("files")], {})
    c.update("docs", {"resources": [{"uri": "docs://readme", "name": "r"}]}, {}, 1.0)
    c.update("files", {"resourceTemplates": [{"uriTemplate": "file:///{+path}"}]}, {}, 1.0)
    both = frozenset({"docs", "files"})
    assert c.owner_of_uri("docs://readme", both) == "docs"
    assert c.owner_of_uri("file:///a/b.txt", both) == "files"
    assert c.owner_of_uri("file:///a/b.txt", frozenset({"docs"})) is None


def test_stale_catalog_entries_are_not_used() -> None:
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


def test_search_is_deterministic_for_equal_scores() -> None:
    docs = [Document(("s", n), {"name": ["same"]}) for n in ("b", "a")]
    index = SearchIndex.build(docs)
    assert [h.tool for h in index.search("same")] == ["a", "b"]


def test_a_request_that_names_a_product_finds_that_products_tools() -> None:
    """The server's own match lifts its tools: without it, a generic tool elsewhere that
    shares the request's other words would come first."""
    c = Catalog()
    c.configure(
        [
            server("notion", title="Notion", description="Notion workspace pages and databases"),
            server("docs", title="Docs", description="Documents"),
        ],
        {},
    )
    c.update("notion", {"tools": [tool("append_block", "Append a paragraph block to a page")]},
             {}, 1.0)  # fmt: skip
    c.update("docs", {"tools": [tool("add_paragraph", "Add a paragraph to a page")]}, {}, 1.0)
    query = "have notion add a paragraph to the page"
    assert c.index.search(query, 2)[0].server == "docs"  # the tools' words alone
    assert c.search(query, 2)[0].server == "notion"


def test_related_words_are_searched_as_if_asked_and_unknown_words_are_picked() -> None:
    from mcpod.daemon.catalog.search import unknown_words

    index = SearchIndex.build([
        Document(("billing", "create_invoice"), {"name": tokenize("create_invoice")}),
        Document(("docs", "create_page"), {"name": tokenize("create_page")}),
    ])  # fmt: skip
    assert index.search("Rechnung", 1) == []
    related = {"rechnung": ["invoice"]}
    assert index.search("Rechnung", 1, related=related)[0].tool == "create_invoice"
    assert index.search("Rechnung", 1, related=related, expand=False) == [], (
        "plain BM25F takes no expansion"
    )
    # Words no tool uses, in any script; known words, stopwords and numbers left out.
    assert unknown_words("Erstelle eine Rechnung for 42 create", index.postings) == [
        "erstelle", "eine", "rechnung"
    ]  # fmt: skip
    assert unknown_words("创建发票", index.postings) == ["创建发票"]
    # A stand-in counts at a discount: the tool that has the asked word itself comes first.
    both = {"creer": ["create", "invoice"]}
    assert index.search("creer invoice", 2, related=both)[0].tool == "create_invoice"


def test_a_tool_without_a_description_is_described_by_its_server() -> None:
    c = Catalog()
    c.configure([server("qrcode", description="Generate QR codes from text or links")], {})
    c.update("qrcode", {"tools": [{"name": "qrencode"}, tool("decode", "Read a QR code")]},
             {}, 1.0)  # fmt: skip
    fields = {doc.key[1]: doc.fields["description"] for doc in c.index.docs}
    assert fields["qrencode"] == tokenize("Generate QR codes from text or links")
    assert fields["decode"] == tokenize("Read a QR code"), "its own, when it has one"
