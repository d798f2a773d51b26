"""What each session sees: its surface (mode, allowed and active servers) and the
meta-tools of `lazy` mode."""

from mcpod.daemon.exposure.arguments import META_NAMES, META_TOOLS
from mcpod.daemon.exposure.metatools import MetaSession, MetaTools, RoutedCall, text_result
from mcpod.daemon.exposure.surface import Surface, choose_surface

__all__ = [
    "META_NAMES",
    "META_TOOLS",
    "MetaSession",
    "MetaTools",
    "RoutedCall",
    "Surface",
    "choose_surface",
    "text_result",
]
