"""The lazy-exposure targets, held on the real catalog (the benchmark's own data and code):
token footprint and search quality. Latency is measured by `make bench`, not asserted."""

from __future__ import annotations

import json

from bench.catalog import DATA, load_catalog, quality

from mcpod.daemon.catalog import estimate_tokens
from mcpod.daemon.exposure import META_TOOLS


def test_lazy_tools_list_is_tiny_next_to_the_whole_catalog() -> None:
    catalog = load_catalog()
    everything = catalog.view(frozenset(catalog.entries)).tools
    assert len(everything) > 1900
    lazy, full = estimate_tokens({"tools": META_TOOLS}), estimate_tokens({"tools": everything})
    assert lazy < 1000
    assert 1 - lazy / full > 0.99


def test_search_finds_the_right_tool_for_held_out_requests() -> None:
    """The gate is the held-out set only: `queries.json` is for tuning, and a gate on the
    set one tunes on measures the tuning, not the search."""
    catalog = load_catalog()
    result = quality(catalog, json.loads((DATA / "queries_holdout.json").read_text()))
    assert result["recall@5"] >= 0.9, result["misses"]
    assert result["mrr@10"] >= 0.75
