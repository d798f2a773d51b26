from __future__ import annotations

import re

import pytest

from mcpod.daemon.catalog import namespaced

VALID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def test_short_clean_names_are_kept() -> None:
    assert namespaced("github", "create_issue") == "github__create_issue"


@pytest.mark.parametrize(
    ("server", "tool"),
    [("srv", "a.b/c d"), ("x" * 40, "y" * 40), ("docs", "ünïcode"), ("a", "b" * 200)],
)
def test_names_are_valid_and_deterministic(server: str, tool: str) -> None:
    name = namespaced(server, tool)
    assert VALID.match(name), name
    assert name == namespaced(server, tool)


def test_shortened_names_do_not_collide() -> None:
    long = "t" * 80
    assert namespaced("s", long + "1") != namespaced("s", long + "2")
    assert namespaced("s", "a.b") != namespaced("s", "a_b")
