"""Writing config files: atomically, and private to the user (they hold env secrets)."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

CONFIG_MODE = 0o600


def write_atomically(path: Path, text: str) -> None:
    """Write via a 0600 temp file and rename, so a crash never leaves half a config.

    The mode is set at creation (not chmod-ed after), so the secrets in `env` values
    are never readable by others, not even for a moment.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, CONFIG_MODE)
    try:
        os.fchmod(fd, CONFIG_MODE)  # a leftover temp file keeps its old mode through O_CREAT
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
