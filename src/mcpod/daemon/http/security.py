"""Who may talk to the HTTP front: the listen address rule, and the checks on every
request against DNS rebinding (`Host`, `Origin`) and for the bearer token.

- Without a token the front binds only to a loopback address; a non-loopback address
  without a token is refused at start, with an error that says why.
- `Host` must name this server: the bound `host:port`, or `localhost`, `127.0.0.1`,
  `[::1]` on the bound port (a wildcard bind, which needs a token, also takes any IP
  literal on that port: DNS rebinding needs a host *name*). Otherwise 403.
- `Origin` may be absent (non-browser clients) or a loopback origin (or the bound
  host) on that port. Otherwise 403: a web page elsewhere cannot drive the daemon.
- With a token, `Authorization: Bearer <token>` is required on `/mcp` and `/api`
  (the dashboard's static files hold no data and are served without it); otherwise
  401. The token is compared in constant time and never logged or echoed.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

from mcpod.config import SecretStore
from mcpod.protocol import ConfigError, Paths

log = logging.getLogger(__name__)

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")
PUBLIC_PATHS = re.compile(r"^/(?:$|index\.html$|static/|favicon\.ico$)")
_REFERENCE = re.compile(r"^\$\{(secret|env):([A-Za-z_][A-Za-z0-9_.-]{0,127})\}$")


class HttpSetupError(ConfigError):
    """The HTTP front cannot start with these settings."""


@dataclass(frozen=True)
class Listen:
    host: str  # as bound: "127.0.0.1", "::1", "0.0.0.0", ...
    port: int

    @property
    def loopback(self) -> bool:
        return is_loopback(self.host)

    @property
    def wildcard(self) -> bool:
        return self.host in ("0.0.0.0", "::")

    def authority(self, port: int | None = None) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port if port is None else port}"


def parse_listen(text: str) -> Listen:
    """`HOST:PORT` (`[::1]:PORT` for IPv6); the host must be an IP address or localhost."""
    match = re.fullmatch(r"(?:\[(?P<v6>[^\]]+)\]|(?P<host>[^:\[\]]+)):(?P<port>\d{1,5})", text)
    if match is None:
        raise HttpSetupError(
            f"HTTP listen address {text!r} is not HOST:PORT (e.g. 127.0.0.1:8765 or [::1]:8765)"
        )
    host = match["v6"] or match["host"]
    port = int(match["port"])
    if port > 65535:
        raise HttpSetupError(f"HTTP listen address {text!r}: port {port} is out of range")
    if host == "localhost":
        host = "127.0.0.1"
    try:
        ipaddress.ip_address(host)
    except ValueError:
        raise HttpSetupError(
            f"HTTP listen address {text!r}: the host must be an IP address or localhost"
        ) from None
    return Listen(host, port)


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host == "localhost"


def check_listen(listen: Listen, token: str | None) -> None:
    if not listen.loopback and not token:
        raise HttpSetupError(
            f"refusing to serve HTTP on {listen.authority()}: it is not a loopback address "
            'and no token is configured. Set "http": {"token": "${secret:MCPOD_HTTP_TOKEN}"} '
            "in the config (and `mcpod secret set MCPOD_HTTP_TOKEN`), or listen on 127.0.0.1"
        )


def resolve_token(raw: str | None, paths: Paths, environ: dict[str, str]) -> str | None:
    """The token itself: a literal, or a `${secret:NAME}` / `${env:NAME}` reference."""
    if raw is None or raw == "":
        return None
    match = _REFERENCE.fullmatch(raw)
    if match is None:
        return raw
    kind, name = match.groups()
    value = SecretStore(paths.secrets_file).get(name) if kind == "secret" else environ.get(name)
    if not value:
        how = f"`mcpod secret set {name}`" if kind == "secret" else f"set ${name}"
        raise HttpSetupError(f"the HTTP token refers to {kind} {name}, which is not set ({how})")
    return value


class Guard:
    """ASGI middleware: the Host, Origin and token checks, in that order."""

    def __init__(self, app: ASGIApp, listen: Listen, port: int, token: str | None) -> None:
        self._app = app
        self._listen = listen
        self._port = port
        self._token = token.encode() if token else None
        self._hosts = {f"{name}:{port}" for name in LOOPBACK_NAMES} | {listen.authority(port)}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        headers = _headers(scope)
        refusal = self.refusal(scope.get("path", "/"), headers)
        if refusal is None:
            await self._app(scope, receive, send)
            return
        status, message = refusal
        extra = [(b"www-authenticate", b'Bearer realm="mcpod"')] if status == 401 else []
        await _plain(send, status, message, extra)

    def refusal(self, path: str, headers: dict[str, str]) -> tuple[int, str] | None:
        host = headers.get("host", "").lower()
        if not self._host_ok(host):
            log.warning("HTTP: refused a request for Host %r (DNS rebinding check)", host[:100])
            return 403, "Forbidden: the Host header does not name this mcpod daemon"
        origin = headers.get("origin")
        if origin is not None and not self._origin_ok(origin.lower()):
            log.warning("HTTP: refused a request from Origin %r", origin[:100])
            return 403, "Forbidden: cross-origin requests are not allowed"
        if self._token is not None and not PUBLIC_PATHS.match(path):
            given = headers.get("authorization", "")
            scheme, _, value = given.partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(
                value.strip().encode(), self._token
            ):
                return 401, "Unauthorized: this daemon needs its bearer token"
        return None

    def _host_ok(self, host: str) -> bool:
        if host in self._hosts:
            return True
        if not self._listen.wildcard:
            return False
        name, _, port = host.rpartition(":")
        try:
            ipaddress.ip_address(name.strip("[]"))
        except ValueError:
            return False
        return port == str(self._port)

    def _origin_ok(self, origin: str) -> bool:
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or parts.port != self._port:
            return False
        return self._host_ok(parts.netloc) and (
            is_loopback(parts.hostname or "") or parts.netloc == self._listen.authority(self._port)
        )


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers", [])}


async def _plain(send: Send, status: int, message: str, extra: list[Any]) -> None:
    body = message.encode() + b"\n"
    headers = [(b"content-type", b"text/plain; charset=utf-8"),
               (b"content-length", str(len(body)).encode()), *extra]  # fmt: skip
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
