"""What each session sees: its surface (mode, allowed and active servers) and the
meta-tools of `lazy` mode."""

from mcpod.daemon.exposure.admin import ADMIN_NAMES, ADMIN_TOOLS, AdminTools
from mcpod.daemon.exposure.arguments import META_NAMES, META_TOOLS
from mcpod.daemon.exposure.metatools import MetaSession, MetaTools, RoutedCall, text_result
from mcpod.daemon.exposure.surface import Surface, choose_surface

__all__ = [
    "ADMIN_NAMES",
    "ADMIN_TOOLS",
    "META_NAMES",
    "META_TOOLS",
    "AdminTools",
    "MetaSession",
    "MetaTools",
    "RoutedCall",
    "Surface",
    "choose_surface",
    "text_result",
]
