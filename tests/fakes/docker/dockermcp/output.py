"""Writing to stdout: JSON outputs (and their `garbage` replacements), Tip lines, widths."""

from __future__ import annotations

import shutil
import sys

from . import state
from .env import Env

# FAKE_DOCKER_FAIL=garbage: what a format change could look like to a JSON parser.
GARBAGE_TEXT = (
    "WARNING: this output format is deprecated and will change in a future release\n"
    "NAME\tSTATUS\nduckduckgo\tenabled\n"
)
# FAKE_DOCKER_FAIL=garbage-json: valid JSON, undocumented shape.
GARBAGE_JSON = '{"apiVersion": "v2alpha1", "kind": "List", "items": {"unexpected": true}}\n'


def out(text: str) -> None:
    sys.stdout.write(text)


def json_out(env: Env, text: str) -> None:
    """Print a documented JSON output, unless a `garbage*` failure mode replaces it."""
    if "garbage" in env.fail:
        out(GARBAGE_TEXT)
    elif "garbage-json" in env.fail:
        out(GARBAGE_JSON)
    else:
        out(text)


def tip(env: Env, text: str) -> None:
    """`hints.TipCyan...` lines: on stdout, plain text when not a TTY (§1 "Hints")."""
    if state.hints_enabled(env):
        out(text)


def terminal_width() -> int:
    """`pkg/terminal`: the TTY width, or 120 when stdout is not a terminal (§1)."""
    if sys.stdout.isatty():
        return shutil.get_terminal_size((120, 24)).columns
    return 120


def err(text: str) -> None:
    sys.stderr.write(text)
