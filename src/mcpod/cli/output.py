"""How commands print: aligned tables, colour only on a terminal (and never with
`NO_COLOR`), progress on stderr, JSON as one indented document."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence

TYPE_CHECKING = False  # not `typing`'s: its import costs `mcpod status` 10 ms
if TYPE_CHECKING:
    from typing import Any, TextIO

COLOURS = {"red": "31", "green": "32", "yellow": "33", "dim": "2", "bold": "1"}
STATE_COLOURS = {"ready": "green", "failed": "red", "broken": "red", "needs-secret": "yellow",
                 "needs-login": "yellow", "starting": "yellow", "error": "red", "warn": "yellow",
                 "ok": "green"}  # fmt: skip


def colour_on(stream: TextIO = sys.stdout) -> bool:
    return stream.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def paint(text: str, colour: str, stream: TextIO = sys.stdout) -> str:
    code = COLOURS.get(STATE_COLOURS.get(colour, colour))
    return f"\033[{code}m{text}\033[0m" if code and colour_on(stream) else text


def table(rows: Sequence[Sequence[str]], *, state_column: int | None = None) -> str:
    """Rows as aligned columns (the last one unpadded); the header in bold on a TTY."""
    if not rows:
        return ""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = []
    for number, row in enumerate(rows):
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        cells.append(row[-1])
        if number == 0:
            cells = [paint(c, "bold") for c in cells]
        elif state_column is not None and state_column < len(widths):
            cells[state_column] = paint(cells[state_column], row[state_column])
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def progress(message: str) -> None:
    """A line about long work, on stderr (stdout stays for the result)."""
    print(paint(message, "dim", sys.stderr), file=sys.stderr, flush=True)


def print_json(value: Any) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False))


class Fields(dict):  # type: ignore[type-arg]
    """A decoded JSON object read by attribute (`status.servers[0].name`), for rendering
    without paying for msgspec's import in the quickest commands. A missing key reads as
    None (a field an older daemon did not send)."""

    def __getattr__(self, name: str) -> Any:
        return _wrapped(self.get(name))


def _wrapped(value: Any) -> Any:
    if isinstance(value, dict) and not isinstance(value, Fields):
        return Fields(value)
    if isinstance(value, list):
        return [_wrapped(item) for item in value]
    return value
