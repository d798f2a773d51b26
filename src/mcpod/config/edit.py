"""Changing mcpod's own config file from a command (`mcpod add`, `remove`, `import`).

One edit at a time (an flock beside the file), on the document as written (unknown keys
and key order survive), validated by the same parser the daemon uses before anything is
written, and written atomically (0600). The running daemon sees the new file and applies
the difference (hot reload).
"""

from __future__ import annotations

import fcntl
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from mcpod.config.load import default_config, parse_config, read_document
from mcpod.config.model import Config
from mcpod.config.write import write_atomically
from mcpod.protocol import ConfigError

T = TypeVar("T")


def edit_config(path: Path, change: Callable[[dict[str, Any]], T]) -> tuple[T, Config]:
    """Apply `change` to the file's document (in place) and save it if the result is a
    valid config; return what `change` returned and the new config. Nothing is written
    when `change` raises or the result does not validate."""
    with _locked(path):
        document = _read(path)
        outcome = change(document)
        config = parse_config(document, path)  # raises ConfigError naming the key
        write_atomically(path, json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        return outcome, config


def servers_of(document: dict[str, Any]) -> dict[str, Any]:
    """The document's `mcpServers` object (created if absent)."""
    servers = document.setdefault("mcpServers", {})
    if not isinstance(servers, dict):
        raise ConfigError("'mcpServers' in the config file is not an object; fix it by hand")
    return servers


def _read(path: Path) -> dict[str, Any]:
    if not path.exists():
        return default_config()
    document = read_document(path, "; fix it before editing it with mcpod")
    if not isinstance(document, dict):
        raise ConfigError(f"{path}: the top level must be a JSON object with 'mcpServers'")
    return document


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(f".{path.name}.lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
