"""Watching the config file for edits (watchfiles: inotify on Linux, FSEvents on macOS).

The file's directory is watched, not the file: editors save by writing a new file and
renaming it over the old one, which a watch on the old inode would never see. Besides the
events, the file's identity (inode, size, mtime) is compared once a second: that catches
an edit made before the watch was in place, and file systems that send no events.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Awaitable, Callable
from pathlib import Path

import anyio

log = logging.getLogger(__name__)

DEBOUNCE_MS = 200  # an editor's save is several events; apply the file once they settle
RESCAN_MS = 1000
MISSING_DIR_POLL_S = 5.0

Fingerprint = tuple[int, int, int] | None


def fingerprint(path: Path) -> Fingerprint:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_ino, info.st_size, info.st_mtime_ns


async def watch_config(
    path: Path, on_change: Callable[[str], Awaitable[object]], seen: Callable[[], Fingerprint]
) -> None:
    """Call `on_change` after each settled change to `path` (until cancelled).

    `seen` is the fingerprint of the file as last read, to tell a missed change.
    """
    from watchfiles import awatch  # lazily: only the daemon's watcher needs it

    while True:
        if not path.parent.is_dir():  # removed while running: wait for it to come back
            await anyio.sleep(MISSING_DIR_POLL_S)
            continue
        try:
            async for changes in awatch(
                path.parent, debounce=DEBOUNCE_MS, recursive=False,
                yield_on_timeout=True, rust_timeout=RESCAN_MS,
            ):  # fmt: skip
                if any(Path(changed).name == path.name for _, changed in changes):
                    await on_change("the config file changed")
                elif fingerprint(path) != seen():
                    await on_change("the config file changed (found on a rescan)")
        except FileNotFoundError:
            log.info("the config directory %s went away; watching for it", path.parent)
