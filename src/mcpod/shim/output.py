"""The shim's two outputs: MCP bytes to the client's stdout, diagnostics to stderr."""

from __future__ import annotations

import os
import sys


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def say(text: str) -> None:
    sys.stderr.write(f"mcpod-shim: {text}\n")
    sys.stderr.flush()
