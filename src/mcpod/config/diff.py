"""What changed between two config snapshots, per server: the basis of hot reload."""

from __future__ import annotations

import msgspec

from mcpod.config.model import Config


class ConfigDiff(msgspec.Struct, frozen=True):
    """Server names by what happened to them; a disabled server counts as absent."""

    added: frozenset[str] = frozenset()
    removed: frozenset[str] = frozenset()
    changed: frozenset[str] = frozenset()
    unchanged: frozenset[str] = frozenset()
    surface_changed: bool = False  # mode, profiles or per-client defaults differ

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.surface_changed)


def diff_configs(old: Config, new: Config) -> ConfigDiff:
    before = {s.name: s for s in old.enabled}
    after = {s.name: s for s in new.enabled}
    both = before.keys() & after.keys()
    changed = frozenset(n for n in both if before[n] != after[n])
    return ConfigDiff(
        added=frozenset(after.keys() - before.keys()),
        removed=frozenset(before.keys() - after.keys()),
        changed=changed,
        unchanged=frozenset(both) - changed,
        surface_changed=(old.mode, old.profiles, old.clients)
        != (new.mode, new.profiles, new.clients),
    )
