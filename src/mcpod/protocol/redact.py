"""Redaction of credentials: the secret values mcpod resolved from its secret store, and
those carried in URLs (userinfo and secret-looking query values).

Applied to every error text that reaches a client, `mcpod status` or a log line, because
remote servers' URLs often carry their token (`https://user:pass@host/...`,
`...?api_key=...`) and HTTP libraries quote the URL in their exceptions.
"""

from __future__ import annotations

import re

_USERINFO = re.compile(r"(\b[A-Za-z][A-Za-z0-9+.-]*://)[^/\s@'\"<>]+@")
_SECRET_QUERY = re.compile(
    r"([?&;][^=\s&#'\"]*(?:token|key|secret|passw|pwd|sig|auth|code|credential|session)"
    r"[^=\s&#'\"]*=)[^&\s#'\"<>]+",
    re.IGNORECASE,
)
MASK = "***"
MIN_SECRET_CHARS = 4  # shorter values would mask ordinary words
_known: set[str] = set()  # secret values this process has resolved


def remember_secret(value: str) -> None:
    """A secret value now in use: `redact` masks it wherever it appears from now on."""
    if len(value) >= MIN_SECRET_CHARS:
        _known.add(value)


def redact(text: str) -> str:
    """`text` with known secret values, URL userinfo and secret-looking query values
    replaced by `***`."""
    for value in _known:
        if value in text:
            text = text.replace(value, MASK)
    if "://" not in text and "=" not in text:
        return text
    return _SECRET_QUERY.sub(rf"\1{MASK}", _USERINFO.sub(rf"\1{MASK}@", text))
