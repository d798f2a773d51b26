from __future__ import annotations

from pathlib import Path

import pytest

from mcpod.config import Config, Profile, ServerConfig
from mcpod.daemon.exposure import choose_surface
from mcpod.protocol import RpcError


def config(**kw: object) -> Config:
    servers = {n: ServerConfig(name=n, transport="stdio", command="x") for n in ("a", "b", "c")}
    return Config(path=Path("/c.json"), servers=servers, **kw)  # type: ignore[arg-type]


def test_surface_precedence_args_profile_client_default() -> None:
    cfg = config(
        mode="lazy",
        profiles={"p": Profile(name="p", servers=("a", "b"), mode="all", always_on=("a",))},
        clients={"cursor": Profile(name="cursor", mode="all")},
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


def test_a_bad_mode_from_the_shim_is_refused() -> None:
    with pytest.raises(RpcError, match="--mode must be lazy or all"):
        choose_surface(config(), {"mode": "eager"}, None)


def test_each_client_gets_its_built_in_default_unless_something_says_otherwise() -> None:
    plain = config()
    assert choose_surface(plain, {}, "claude-code").mode == "all"
    for name in ("claude-ai", "cursor-vscode", "Visual Studio Code", "codex-mcp-client", None):
        assert choose_surface(plain, {}, name).mode == "lazy", name
    assert choose_surface(plain, {"mode": "lazy"}, "claude-code").mode == "lazy", "the shim wins"
    assert choose_surface(config(mode="lazy"), {}, "claude-code").mode == "lazy", "the file too"
    per_client = config(clients={"claude-code": Profile(name="claude-code", mode="lazy")})
    assert choose_surface(per_client, {}, "claude-code").mode == "lazy"
