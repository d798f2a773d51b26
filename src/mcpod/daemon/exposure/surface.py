"""What one session sees: its exposure mode, the servers it may use, the ones active now.

Chosen once per session, at its first request, from (first wins): the shim's `--mode`,
the shim's `--profile`, the config's entry for the client's name (from `clientInfo` in
its handshake), the config's top-level `mode`, and the client's built-in default
(`defaults.CLIENT_MODES`: `all` for Claude Code, `lazy` otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mcpod.config import MODES, Config, Mode, Profile
from mcpod.daemon.exposure.defaults import client_default
from mcpod.protocol import ErrorCode, RpcError


@dataclass
class Surface:
    mode: Mode
    allowed: frozenset[str]  # servers this session may see and call
    always_on: frozenset[str] = frozenset()
    active: set[str] = field(default_factory=set)
    profile: str | None = None
    admin: bool = False  # the mcpod_config_* / mcpod_secret_* tools (a profile's "admin")

    def visible(self) -> frozenset[str]:
        """The servers whose tools are in this session's tools/list."""
        if self.mode == "all":
            return self.allowed
        return frozenset((self.always_on | self.active) & self.allowed)

    def listing(self, kind: str) -> frozenset[str]:
        """The servers whose `kind` (tools, prompts, resources) this session lists.

        Lazy mode hides tools only: prompts and resources cost the model no context
        until the user picks one, so those of every allowed server stay listed.
        """
        return self.visible() if kind == "tools" else self.allowed

    def describe(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "profile": self.profile,
            "active": sorted(self.active),
            "always_on": sorted(self.always_on),
        }


def choose_surface(config: Config, client_args: dict[str, Any], client_name: str | None) -> Surface:
    profile_name = client_args.get("profile")
    profile = None
    if profile_name is not None:
        profile = config.profiles.get(str(profile_name))
        if profile is None:
            known = ", ".join(sorted(config.profiles)) or "none are configured"
            raise RpcError(
                f"mcpod: unknown profile {profile_name!r} (known: {known}); fix --profile in "
                f"this client's mcpod-shim entry or add it under 'profiles' in {config.path}",
                code=ErrorCode.INVALID_PARAMS,
            )
    per_client = config.clients.get(client_name or "")
    chosen = [p for p in (profile, per_client) if p is not None]
    mode = _first_mode(client_args.get("mode"), chosen, config.mode or client_default(client_name))
    selected = next((p.servers for p in chosen if p.servers is not None), None)
    enabled = {s.name for s in config.enabled}
    allowed = frozenset(enabled if selected is None else set(selected) & enabled)
    always_on = frozenset(name for p in chosen for name in p.always_on)
    return Surface(
        mode=mode, allowed=allowed, always_on=always_on,
        profile=profile.name if profile else None, admin=any(p.admin for p in chosen),
    )  # fmt: skip


def _first_mode(asked: Any, profiles: list[Profile], default: Mode) -> Mode:
    if asked is not None:
        if asked not in MODES:
            raise RpcError(
                f"mcpod: --mode must be lazy or all, not {asked!r}", code=ErrorCode.INVALID_PARAMS
            )
        mode: Mode = asked
        return mode
    for profile in profiles:
        if profile.mode is not None:
            return profile.mode
    return default
