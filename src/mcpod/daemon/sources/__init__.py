"""Where servers come from. Today: the config file, held as one snapshot by `Registry`."""

from mcpod.daemon.sources.registry import Registry

__all__ = ["Registry"]
