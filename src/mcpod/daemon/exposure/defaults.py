"""Each client's default exposure mode, from what it does natively (by `clientInfo.name`).

Evidence (see ../shared/reference/MCP_SDK.md §3.3 and the issue threads cited there):

- Claude Code (`claude-code`) defers MCP tools behind its own tool search, so listing
  every tool costs its model no context; and it often does not act on `list_changed`
  mid-session (anthropics/claude-code#13646, #62058, #65698, #79826), so tools activated
  in `lazy` mode might never become callable by name. It even held back mcpod's own
  meta-tools when tried. `all` serves it better.
- Claude Desktop (`claude-ai`) does not re-read tools mid-conversation: `lazy`, where the
  model reaches tools through `mcpod_call` (the activate answer says so).
- Cursor (`cursor-vscode`) caps the tools it passes to its model and acts on
  `list_changed` unreliably: `lazy`, with the call-through.
- VS Code (`Visual Studio Code`) refreshes on `list_changed`: `lazy`.
- Codex (`codex-mcp-client`) does not support `list_changed` (openai/codex#10105): `lazy`,
  with the call-through.

Overridable at every level: the shim's `--mode`, a profile, the config's `clients` entry
for that name, and the config's top-level `mode`, which all win over this table.
"""

from __future__ import annotations

from mcpod.config import Mode

DEFAULT_MODE: Mode = "lazy"
CLIENT_MODES: dict[str, Mode] = {
    "claude-code": "all",
    "claude-ai": "lazy",
    "cursor-vscode": "lazy",
    "Visual Studio Code": "lazy",
    "codex-mcp-client": "lazy",
}


def client_default(client_name: str | None) -> Mode:
    return CLIENT_MODES.get(client_name or "", DEFAULT_MODE)
