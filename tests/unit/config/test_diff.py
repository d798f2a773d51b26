from __future__ import annotations

from pathlib import Path
from typing import Any

from mcpod.config import diff_configs, parse_config


def snapshot(servers: dict[str, Any], **top: Any) -> Any:
    return parse_config({"mcpServers": servers, **top}, Path("cfg"))


def test_diff_names_added_removed_changed_and_unchanged_servers() -> None:
    old = snapshot({"a": {"command": "a"}, "b": {"command": "b"}, "c": {"command": "c"}})
    new = snapshot(
        {"a": {"command": "a"}, "b": {"command": "b", "args": ["-v"]}, "d": {"url": "https://d"}}
    )
    diff = diff_configs(old, new)
    assert (diff.added, diff.removed, diff.changed, diff.unchanged) == (
        {"d"}, {"c"}, {"b"}, {"a"},
    )  # fmt: skip
    assert not diff.surface_changed and not diff.empty


def test_disabling_a_server_removes_it_and_an_equal_file_is_no_change() -> None:
    old = snapshot({"a": {"command": "a"}})
    assert diff_configs(old, snapshot({"a": {"command": "a", "disabled": True}})).removed == {"a"}
    assert diff_configs(old, snapshot({"a": {"command": "a"}})).empty


def test_a_changed_mode_or_profile_is_a_surface_change() -> None:
    old = snapshot({"a": {"command": "a"}})
    assert diff_configs(old, snapshot({"a": {"command": "a"}}, mode="all")).surface_changed
    profiled = snapshot({"a": {"command": "a"}}, profiles={"p": {"servers": ["a"]}})
    assert diff_configs(old, profiled).surface_changed
