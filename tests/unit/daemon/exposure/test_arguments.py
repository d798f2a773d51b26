"""The meta-tools' advertised schemas are their argument Structs: one source for both."""

from __future__ import annotations

import re
from typing import Any

import msgspec
import pytest

from mcpod.daemon.catalog import estimate_tokens
from mcpod.daemon.exposure import META_TOOLS
from mcpod.daemon.exposure.arguments import META, decode_arguments

RESERVED_BY_DOCKER = {
    "mcp-find",
    "mcp-add",
    "mcp-remove",
    "mcp-exec",
    "mcp-config-set",
    "code-mode",
}


def test_meta_tools_fit_the_token_budget_and_avoid_reserved_names() -> None:
    assert sum(estimate_tokens(t) for t in META_TOOLS) < 1000
    assert not {t["name"] for t in META_TOOLS} & RESERVED_BY_DOCKER
    assert all(len(t["name"]) <= 64 for t in META_TOOLS)


def test_each_advertised_schema_is_its_structs_schema() -> None:
    for tool in META_TOOLS:
        kind = META[tool["name"]][0]
        schema = msgspec.json.schema(kind)
        (component,) = schema["$defs"].values()
        assert tool["inputSchema"]["properties"] == component["properties"]
        assert tool["inputSchema"].get("required", []) == component.get("required", [])


@pytest.mark.parametrize(
    ("name", "arguments", "message"),
    [
        ("mcpod_search", {}, "'query' is required."),
        ("mcpod_search", {"query": 3}, "'query': expected str, got int."),
        ("mcpod_search", {"query": ""}, "'query': expected str of length >= 1."),
        ("mcpod_activate", {"servers": []}, "'servers': expected array of length >= 1."),
        ("mcpod_call", {"server": "a", "tool": "b", "arguments": [1]}, "'arguments': expected"),
        ("mcpod_catalog", [], "expected object, got array."),
    ],
)
def test_wrong_arguments_say_which_and_why(name: str, arguments: Any, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        decode_arguments(name, arguments)


def test_lenient_where_models_slip() -> None:
    assert decode_arguments("mcpod_search", {"query": "x", "limit": "5"}).limit == 5  # type: ignore[attr-defined]
    assert decode_arguments("mcpod_activate", {"servers": "a"}).servers == ["a"]  # type: ignore[attr-defined]
    assert decode_arguments("mcpod_catalog", None).category == ""  # type: ignore[attr-defined]
