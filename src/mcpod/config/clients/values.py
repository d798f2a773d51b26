"""Values in clients' entries: their variables, as mcpod's `${env:NAME}` references.

What each client substitutes, and what becomes of it in mcpod:

- `${env:NAME}` (Cursor, VS Code, Windsurf) stays as it is: mcpod has the same reference.
- `${NAME}` (Claude Code, Gemini CLI, Windsurf) becomes `${env:NAME}`; Gemini's `$NAME`
  in `env` values too. `${NAME:-default}` makes the server unusable: mcpod has no defaults.
- `${userHome}` becomes the home directory; `${workspaceFolder}` (and its basename) the
  project folder, for a project's own file only: in a user-level file it depends on the
  folder open in the editor, which mcpod cannot know, so such a server is not imported.
- `${input:ID}` (VS Code prompts for it) and anything else make the server unusable, with
  the reason; nothing is guessed.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mcpod.config.secrets import looks_secret

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_DOLLAR = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_WORKSPACE = ("workspaceFolder", "workspaceRoot", "workspaceFolderBasename")


class Unusable(Exception):
    """A client's entry that mcpod cannot run as it is; the message says why."""


@dataclass(frozen=True, slots=True)
class Scope:
    """What a file's variables can stand for."""

    home: Path
    workspace: Path | None = None  # the project folder, for a project's own file
    dollar_env: bool = False  # `$NAME` in env values is a variable too (Gemini CLI)


def env_ref(name: str) -> str:
    return f"${{env:{name}}}"


def secret_key(key: str) -> bool:
    """Is an env variable or header of this name a credential (`X-Api-Key` too)?"""
    return looks_secret(key) or looks_secret(key.replace("-", "_"))


def translate(text: str, scope: Scope, where: str, *, env_value: bool = False) -> str:
    """`text` with the client's variables as mcpod references; `Unusable` if one has none.
    `where` names the value in messages (never the value: it may be a credential)."""

    def substitute(match: re.Match[str]) -> str:
        return _variable(match[1], scope, where)

    result = _VARIABLE.sub(substitute, text)
    if env_value and scope.dollar_env:
        result = _DOLLAR.sub(lambda m: env_ref(m[1]), result)
    return result


def translate_entry(entry: dict[str, Any], scope: Scope) -> dict[str, Any]:
    """Every string of an mcpod entry (command, args, env, cwd, url, headers) translated."""
    out = dict(entry)
    for key in ("command", "cwd", "url"):
        if isinstance(out.get(key), str):
            out[key] = translate(out[key], scope, key)
    if isinstance(out.get("args"), list):
        out["args"] = [
            translate(a, scope, f"args[{i}]") if isinstance(a, str) else a
            for i, a in enumerate(out["args"])
        ]
    for section in ("env", "headers"):
        if isinstance(out.get(section), dict):
            out[section] = {
                k: translate(v, scope, f"{section}.{k}", env_value=section == "env")
                if isinstance(v, str)
                else v
                for k, v in out[section].items()
            }
    return out


def _variable(inner: str, scope: Scope, where: str) -> str:
    if inner.startswith("env:") and _ENV_NAME.fullmatch(inner[4:]):
        return "${" + inner + "}"
    if inner.startswith("input:"):
        raise Unusable(
            f"{where} asks for input when the server starts (${{{inner}}}), which mcpod "
            "cannot do: add the server to mcpod yourself, with the value in mcpod's secret "
            "store (`mcpod secret set NAME`) written as ${secret:NAME}"
        )
    if inner == "userHome":
        return str(scope.home)
    if inner in _WORKSPACE:
        if scope.workspace is None:
            raise Unusable(
                f"{where} uses ${{{inner}}}, which depends on the folder open in the client; "
                "mcpod imports it from a project's own file only (run `mcpod import` there)"
            )
        return scope.workspace.name if inner.endswith("Basename") else str(scope.workspace)
    if inner in ("pathSeparator", "/"):
        return os.sep
    if _ENV_NAME.fullmatch(inner):
        return env_ref(inner)
    name, default, _ = inner.partition(":-")
    if default and _ENV_NAME.fullmatch(name):
        raise Unusable(
            f"{where} gives ${{{name}}} a default value (${{{name}:-…}}), which mcpod's "
            f"references do not have: add the server to mcpod by hand with ${{env:{name}}}"
        )
    raise Unusable(f"{where} uses ${{{inner}}}, a variable mcpod cannot resolve")
