"""`docker mcp secret ls|set|rm` (both eras, reference §4.7).

Since v0.38 the values live in the OS keychain through `docker pass`, under IDs
`docker/mcp/<name>`; `ls` strips the realm in JSON and shows the full ID in text.
"""

from __future__ import annotations

import re
import sys

from . import catalog, state
from .cli import CliError, Invocation
from .env import Env
from .output import json_out, out

REALM = "docker/mcp/"
PROVIDER = "docker-pass"  # the Secrets Engine provider id is not in the reference; assumed
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*$")


def _check_name(name: str) -> None:
    if not _ID.match(name):
        raise CliError(f'invalid secret name "{name}": invalid identifier')


def _cell(text: str, width: int) -> str:
    """formatting.PrettyPrintTable: truncate with `…`, pad every column (the last one too)."""
    if len(text) > width:
        text = text[: width - 1] + "…" if width > 1 else text[:width]
    return text + " " * (width - len(text))


def secret_ls(env: Env, inv: Invocation) -> None:
    names = sorted(state.secrets(env))
    if inv.get("json"):
        items = [{"name": n, "provider": PROVIDER} for n in names]
        json_out(env, catalog.go_json(items, indent=2) + "\n")
        return
    rows = sorted(([REALM + n, PROVIDER] for n in names), key=lambda r: r[0].lower())
    if not rows:
        return
    widths = [min(max(len(r[i]) for r in rows), cap) for i, cap in enumerate((40, 120))]
    for row in rows:
        out(" | ".join(_cell(cell, w) for cell, w in zip(row, widths, strict=True)) + "\n")


def secret_set(env: Env, inv: Invocation) -> None:
    arg = inv.args[0]
    if "=" in arg:
        name, _, value = arg.partition("=")
    else:  # `secret set name` reads the value from stdin
        name, value = arg, sys.stdin.read().rstrip("\n")
    _check_name(name)
    values = state.secrets(env)
    values[name] = value
    state.write_secrets(env, values)


def secret_rm(env: Env, inv: Invocation) -> None:
    if not inv.args and not inv.get("all"):
        raise CliError("either provide a secret name or use --all to remove all secrets")
    values = state.secrets(env)
    if inv.get("all"):
        values.clear()
    errors = []
    for name in inv.args:
        if not _ID.match(name):
            errors.append(f'invalid secret name "{name}": invalid identifier')
            continue
        values.pop(name, None)
    state.write_secrets(env, values)
    if errors:
        raise CliError("\n".join(errors))  # errors.Join
