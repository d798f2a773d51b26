"""The catalog: every server's tools, prompts and resources, their routes, token costs and
search. Pure data and ranking: nothing here starts a server or imports the `mcp` SDK."""

from mcpod.daemon.catalog.catalog import KINDS, Catalog, Lists, ServerEntry, View, config_hash
from mcpod.daemon.catalog.naming import namespaced
from mcpod.daemon.catalog.search import Hit
from mcpod.daemon.catalog.tokens import estimate_tokens, one_line

__all__ = [
    "KINDS",
    "Catalog",
    "Hit",
    "Lists",
    "ServerEntry",
    "View",
    "config_hash",
    "estimate_tokens",
    "namespaced",
    "one_line",
]
