"""Each stdio server's stderr, in its own file under the log dir, rotated by size.

The daemon reads the server's stderr and writes it here (the server never writes a file
of ours directly), so a chatty server cannot fill the disk: past `MAX_BYTES` the file
becomes `<name>.log.1` (the previous `.1` becomes `.2`, and so on up to `BACKUPS`).
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

from mcpod.protocol import ensure_private_dir

MAX_BYTES = 5 << 20
BACKUPS = 2


class ServerLog:
    def __init__(self, path: Path, *, max_bytes: int = MAX_BYTES, backups: int = BACKUPS) -> None:
        self.path = path
        self._max_bytes = max_bytes
        self._backups = backups
        ensure_private_dir(path.parent)
        self._file = open(path, "ab")  # noqa: SIM115 - kept open for the server's life
        self._size = self._file.tell()

    def note(self, text: str) -> None:
        """A line of mcpod's own, e.g. when the server starts."""
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S")
        self.write(f"--- mcpod: {text} at {stamp}\n".encode())

    def write(self, data: bytes) -> None:
        if self._size + len(data) > self._max_bytes and self._size:
            self._rotate()
        self._file.write(data)
        self._file.flush()
        self._size += len(data)

    def _rotate(self) -> None:
        self._file.close()
        for n in range(self._backups, 0, -1):
            older = self.path.with_name(f"{self.path.name}.{n}")
            newer = self.path.with_name(f"{self.path.name}.{n - 1}") if n > 1 else self.path
            with contextlib.suppress(FileNotFoundError):
                os.replace(newer, older)
        self._file = open(self.path, "ab")  # noqa: SIM115
        self._size = 0

    def close(self) -> None:
        self._file.close()
