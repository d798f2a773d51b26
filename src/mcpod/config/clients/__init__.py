"""Other clients' MCP config files: import their servers, install mcpod-shim in them.

Clients: Claude Desktop, Cursor, Claude Code, VS Code, Windsurf, Codex CLI, Gemini CLI
(`registry`). Files are parsed and edited in place (`jsonc`, tomlkit via `documents`), so
comments and unrelated keys survive; entries are translated to mcpod's format (`entries`,
`values`); `importing` plans and applies `mcpod import`, `install` does `mcpod install`
and `mcpod uninstall` (with backups, `backups`).
"""

from mcpod.config.clients.documents import ClientFileError, Document
from mcpod.config.clients.entries import Entry, is_mcpod, normalise, shim_entry
from mcpod.config.clients.importing import ImportPlan, Item, Source, apply_import, plan_import
from mcpod.config.clients.install import Change, apply, find_shim, plan_install, plan_uninstall
from mcpod.config.clients.registry import (
    CLIENT_NAMES,
    CLIENTS,
    ClientSpec,
    Context,
    Location,
    client,
)

__all__ = [
    "CLIENTS",
    "CLIENT_NAMES",
    "Change",
    "ClientFileError",
    "ClientSpec",
    "Context",
    "Document",
    "Entry",
    "ImportPlan",
    "Item",
    "Location",
    "Source",
    "apply",
    "apply_import",
    "client",
    "find_shim",
    "is_mcpod",
    "normalise",
    "plan_import",
    "plan_install",
    "plan_uninstall",
    "shim_entry",
]
