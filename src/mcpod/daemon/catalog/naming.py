"""Namespaced names `server__tool`: at most 64 characters of `[A-Za-z0-9_-]`.

Clients reject anything else (Claude, Bedrock and VS Code cap names at 64; the Claude
API allows only this charset). A name that must be changed gets a short hash of the
original appended, so the result is deterministic and two originals never collide.
"""

from __future__ import annotations

import hashlib
import re

MAX_NAME = 64
SEPARATOR = "__"
_INVALID = re.compile(r"[^A-Za-z0-9_-]")
_HASH_LEN = 6


def namespaced(server: str, name: str) -> str:
    """The exposed name of `name` from `server`."""
    full = f"{server}{SEPARATOR}{name}"
    clean = _INVALID.sub("_", full)
    if clean == full and len(full) <= MAX_NAME:
        return full
    digest = hashlib.sha1(full.encode()).hexdigest()[:_HASH_LEN]
    return f"{clean[: MAX_NAME - _HASH_LEN - 1]}_{digest}"
