"""Which instance serves a session, and where and how it starts."""

from __future__ import annotations

from pathlib import Path

from mcpod.config import ServerConfig
from mcpod.daemon.upstream.indexing import _added_to
from mcpod.daemon.upstream.scopes import (
    Origin,
    instance_key,
    launch_cwd,
    launch_env,
    merged_capabilities,
)
from mcpod.daemon.upstream.transports import MARKER_ENV, OWNER_ENV


def server(scope: str = "global", **extra: object) -> ServerConfig:
    return ServerConfig(name="s", transport="stdio", command="x", scope=scope, **extra)  # type: ignore[arg-type]


def test_instance_keys_per_scope() -> None:
    origin = Origin("abc", cwd="/w/a", project="/w/proj")
    assert instance_key("global", origin) == ""
    assert instance_key("session", origin) == "session abc"
    assert instance_key("project", origin) == "project /w/proj"
    assert instance_key("project", Origin("abc", cwd="/w/a")) == "project /w/a"


def test_the_environment_is_the_sessions_under_the_servers_own() -> None:
    origin = Origin("abc", env={"PATH": "/session/bin", "LANG": "de_DE.UTF-8"})
    env = launch_env(server(env={"LANG": "C"}), origin, marker="m", owner="o")
    assert env["PATH"] == "/session/bin", "the session's PATH resolves the command"
    assert env["LANG"] == "C", "the server's own env wins"
    assert (env[MARKER_ENV], env[OWNER_ENV]) == ("m", "o")
    daemon_env = launch_env(server(), None, marker="m", owner="o")
    assert daemon_env["PATH"] != "/session/bin" and "LANG" not in daemon_env


def test_where_a_server_runs(tmp_path: Path) -> None:
    here = Origin("abc", cwd=str(tmp_path), project=str(tmp_path / "p"))
    (tmp_path / "p").mkdir()
    assert launch_cwd(server("session"), here) == str(tmp_path)
    assert launch_cwd(server("project"), here) == str(tmp_path / "p")
    assert launch_cwd(server("global"), here) is None, "a shared one is no session's"
    assert launch_cwd(server("session", cwd="/etc"), here) == "/etc", "a configured cwd wins"
    nowhere = Origin("abc", cwd=str(tmp_path / "missing"))
    assert launch_cwd(server("session"), nowhere) is None, "a directory not here: the daemon's"


def test_capabilities_are_merged_and_roots_changes_are_offered() -> None:
    merged = merged_capabilities(
        [{"elicitation": {"form": {}}}, {"elicitation": {"url": {}}, "roots": {}}, {"x": {}}]
    )
    assert merged == {"elicitation": {"form": {}, "url": {}}, "roots": {"listChanged": True}}
    assert merged_capabilities([]) == {}
    assert merged_capabilities([{"sampling": "yes"}]) == {}, "only objects count"


def test_a_private_instance_adds_to_the_catalog_and_never_takes_away() -> None:
    known = {"tools": [{"name": "a", "v": 1}, {"name": "b"}], "prompts": [],
             "resources": [], "resourceTemplates": []}  # fmt: skip
    new = {"tools": [{"name": "a", "v": 2}, {"name": "c"}], "prompts": [{"name": "p"}],
           "resources": [], "resourceTemplates": []}  # fmt: skip
    merged = _added_to(known, new)
    assert merged["tools"] == [{"name": "a", "v": 2}, {"name": "b"}, {"name": "c"}]
    assert merged["prompts"] == [{"name": "p"}]
