"""The one current config snapshot. Everything else in the daemon reads it from here, so
replacing it is a single assignment plus a diff (what hot reload builds on)."""

from __future__ import annotations

from mcpod.config import Config, ConfigDiff, diff_configs


class Registry:
    def __init__(self, config: Config) -> None:
        self._config = config

    @property
    def config(self) -> Config:
        return self._config

    def replace(self, new: Config) -> ConfigDiff:
        """Make `new` the current snapshot; say which servers it adds, removes or changes."""
        diff = diff_configs(self._config, new)
        self._config = new
        return diff
