"""The MCP client side: one connection per upstream server, the pool, and indexing."""

from mcpod.daemon.upstream.connection import Hooks, Upstream, describe
from mcpod.daemon.upstream.indexing import Indexer
from mcpod.daemon.upstream.lists import ListKind
from mcpod.daemon.upstream.pool import Pool
from mcpod.daemon.upstream.scopes import Origin
from mcpod.daemon.upstream.supervisor import Supervisor

__all__ = [
    "Hooks",
    "Indexer",
    "ListKind",
    "Origin",
    "Pool",
    "Supervisor",
    "Upstream",
    "describe",
]
