"""The control API (`mcpod status`, `mcpod stop`, ...): one module per verb."""

from mcpod.daemon.control.context import ControlContext
from mcpod.daemon.control.server import VERBS, ControlServer

__all__ = ["VERBS", "ControlContext", "ControlServer"]
