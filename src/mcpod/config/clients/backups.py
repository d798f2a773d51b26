"""Writing clients' files: timestamped backups beside them, and atomic replacement.

A backup is `<file>.mcpod-backup-<YYYYmmddTHHMMSS>` (UTC, so names sort in time order;
`-2`, `-3` for a second one within a second), a byte-exact 0600 copy written before the
file changes. The file itself is replaced through a temp file and a rename, keeping its
mode (and its symlink: the link's target is what gets replaced).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import stat
import time
from pathlib import Path

BACKUP_MODE = 0o600
NEW_FILE_MODE = 0o600
_BACKUP = re.compile(r"\.mcpod-backup-(\d{8}T\d{6})(?:-(\d+))?")


def backups(path: Path) -> list[Path]:
    """The backups of `path`, oldest first."""
    found = []
    for entry in path.parent.glob(f"{glob_escape(path.name)}.mcpod-backup-*"):
        match = _BACKUP.fullmatch(entry.name[len(path.name) :])
        if match and entry.is_file():
            found.append((match[1], int(match[2] or 1), entry))
    return [entry for _, _, entry in sorted(found)]


def write_backup(path: Path, data: bytes, now: float | None = None) -> Path:
    """A new backup of `path` holding `data`; never overwrites an earlier one."""
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now))
    for n in itertools.count(1):
        backup = path.with_name(f"{path.name}.mcpod-backup-{stamp}" + (f"-{n}" if n > 1 else ""))
        try:
            fd = os.open(backup, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, BACKUP_MODE)
        except FileExistsError:
            continue
        try:
            _write_fd(fd, data, BACKUP_MODE)
        except BaseException:
            backup.unlink(missing_ok=True)
            raise
        return backup
    raise AssertionError("unreachable")


def replace_file(path: Path, data: bytes, mode: int | None) -> None:
    """Write `data` to `path` atomically (temp file + rename) with `mode`, or 0600 when
    the file is new."""
    target = path.resolve() if path.is_symlink() else path
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.mcpod-{os.getpid()}.tmp")
    with contextlib.suppress(FileNotFoundError):
        os.unlink(tmp)  # a leftover of a crashed run
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    try:
        _write_fd(fd, data, NEW_FILE_MODE if mode is None else mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def file_mode(path: Path) -> int | None:
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        return None


def glob_escape(name: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", name)


def _write_fd(fd: int, data: bytes, mode: int) -> None:
    try:
        os.fchmod(fd, mode)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)
