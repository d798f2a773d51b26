"""OAuth for remote servers: the SDK's `OAuthClientProvider`, its tokens in the secret store.

Per server, three entries of the secret store hold JSON: `oauth.<server>.tokens` (the token
response and when its access token expires), `oauth.<server>.client` (the client
registration) and `oauth.<server>.metadata` (the authorization server discovered, so a
refresh in a new daemon goes to the right token endpoint).

Two providers share that storage:

* the daemon's (`DaemonAuth`) never asks a person: it sends the stored access token,
  refreshes it when it has expired, and when the server still answers 401 it records that
  a login is needed and lets the 401 through (the connection then fails, quickly); the
  upstream goes to `needs-login`, whose reason names `mcpod auth SERVER`;
* `mcpod auth SERVER`'s (`login`) runs the whole flow: discovery, dynamic registration,
  the authorization URL printed (and opened in a browser where there is a display), the
  redirect received on a loopback port, the code exchanged for tokens.

No token or client secret is ever logged or printed; each one read or stored is registered
with `redact`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
import threading
import time
import webbrowser
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass
from typing import Any, TextIO
from urllib.parse import parse_qs, urlsplit

import anyio
import anyio.abc
import httpx2
from mcp.client.auth import AuthorizationCodeResult, OAuthClientProvider
from mcp.shared.auth import (
    OAuthClientInformationFull,
    OAuthClientMetadata,
    OAuthMetadata,
    OAuthToken,
    ProtectedResourceMetadata,
)
from pydantic import AnyUrl, ValidationError

from mcpod import __version__
from mcpod.config import SecretStore, ServerConfig
from mcpod.protocol.redact import redact, remember_secret

log = logging.getLogger(__name__)

LOGIN_TIMEOUT_S = 300.0  # how long `mcpod auth` waits for the browser's redirect
CALLBACK_READ_TIMEOUT_S = 10.0  # one request on the loopback listener
CALLBACK_MAX_BYTES = 16384
HTTP_TIMEOUT_S = 30.0
PROBE_PROTOCOL_VERSION = "2025-06-18"  # the `initialize` sent to set off the flow


class NeedsLogin(Exception):
    """The server wants an OAuth login that no stored token (or refresh) satisfies."""

    def __init__(self, server: str) -> None:
        self.server = server
        self.message = f"needs login (run `mcpod auth {server}`)"
        super().__init__(self.message)


def find_needs_login(exc: BaseException) -> NeedsLogin | None:
    """The `NeedsLogin` in `exc`, however deep in exception groups (or as its cause)."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, NeedsLogin):
            return current
        if isinstance(current, BaseExceptionGroup):
            todo.extend(current.exceptions)
        for linked in (current.__cause__, current.__context__):
            if linked is not None:
                todo.append(linked)
    return None


def uses_oauth(config: ServerConfig) -> bool:
    """A remote server gets the OAuth provider unless its config sends credentials itself."""
    if config.transport not in ("http", "sse") or not config.url:
        return False
    return not any(key.lower() == "authorization" for key in config.headers)


def secret_names(server: str) -> tuple[str, str, str]:
    """The secret store's names for a server's tokens, client registration and metadata."""
    return f"oauth.{server}.tokens", f"oauth.{server}.client", f"oauth.{server}.metadata"


# -- storage -----------------------------------------------------------------------------


@dataclass
class ServerMetadata:
    """What discovery found, kept for the next process (refresh needs the token endpoint)."""

    oauth: OAuthMetadata | None = None
    resource: ProtectedResourceMetadata | None = None
    auth_server_url: str | None = None


class SecretTokenStorage:
    """The SDK's `TokenStorage` on mcpod's secret store (read afresh on each use).

    `ignore_stored_tokens`: behave as if no token were stored (a fresh login), while the
    stored ones stay until new ones replace them. `redirect_uri`: a stored registration
    made for another redirect URI is not offered (the flow registers afresh).
    """

    def __init__(
        self,
        store: SecretStore,
        server: str,
        *,
        ignore_stored_tokens: bool = False,
        redirect_uri: str | None = None,
    ) -> None:
        self.store = store
        self.server = server
        self.tokens_name, self.client_name, self.metadata_name = secret_names(server)
        self._ignore_tokens = ignore_stored_tokens
        self._redirect_uri = redirect_uri

    def __repr__(self) -> str:
        return f"SecretTokenStorage({self.server!r}, {self.store!r})"

    def _read(self, name: str) -> dict[str, Any] | None:
        raw = self.store.get(name)
        if raw is None:
            return None
        try:
            value = json.loads(raw)
        except ValueError:
            log.warning("server %s: secret %s is not JSON; ignored", self.server, name)
            return None
        return value if isinstance(value, dict) else None

    async def get_tokens(self) -> OAuthToken | None:
        return self.stored_tokens()[0]

    def stored_tokens(self) -> tuple[OAuthToken | None, float | None]:
        """The stored tokens and when the access token expires (epoch seconds), if known."""
        if self._ignore_tokens:
            return None, None
        record = self._read(self.tokens_name)
        if record is None:
            return None, None
        try:
            token = OAuthToken.model_validate(record.get("token"))
        except ValidationError:
            log.warning("server %s: stored OAuth tokens are unreadable; ignored", self.server)
            return None, None
        _remember(token)
        expires_at = record.get("expires_at")
        return token, float(expires_at) if isinstance(expires_at, int | float) else None

    async def set_tokens(self, tokens: OAuthToken) -> None:
        _remember(tokens)
        expires_at = time.time() + int(tokens.expires_in) if tokens.expires_in is not None else None
        record = {"token": tokens.model_dump(mode="json", exclude_none=True)}
        record["expires_at"] = expires_at  # type: ignore[assignment]
        self.store.set(self.tokens_name, json.dumps(record))
        self._ignore_tokens = False

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        client = self.stored_client()
        if client is not None and self._redirect_uri is not None:
            registered = [str(uri) for uri in client.redirect_uris or []]
            if self._redirect_uri not in registered:
                return None
        return client

    def stored_client(self) -> OAuthClientInformationFull | None:
        record = self._read(self.client_name)
        if record is None:
            return None
        try:
            client = OAuthClientInformationFull.model_validate(record)
        except ValidationError:
            log.warning("server %s: stored OAuth client is unreadable; ignored", self.server)
            return None
        if client.client_secret:
            remember_secret(client.client_secret)
        return client

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        if client_info.client_secret:
            remember_secret(client_info.client_secret)
        self.store.set(self.client_name, client_info.model_dump_json(exclude_none=True))

    def get_metadata(self) -> ServerMetadata:
        record = self._read(self.metadata_name) or {}
        found = ServerMetadata()
        try:
            if record.get("oauth"):
                found.oauth = OAuthMetadata.model_validate(record["oauth"])
            if record.get("resource"):
                found.resource = ProtectedResourceMetadata.model_validate(record["resource"])
        except ValidationError:
            log.warning("server %s: stored OAuth metadata is unreadable; ignored", self.server)
            return ServerMetadata()
        url = record.get("auth_server_url")
        found.auth_server_url = url if isinstance(url, str) else None
        return found

    def set_metadata(self, metadata: ServerMetadata) -> None:
        record = {
            "oauth": metadata.oauth.model_dump(mode="json", exclude_none=True)
            if metadata.oauth
            else None,
            "resource": metadata.resource.model_dump(mode="json", exclude_none=True)
            if metadata.resource
            else None,
            "auth_server_url": metadata.auth_server_url,
        }
        self.store.set(self.metadata_name, json.dumps(record))

    def forget(self) -> None:
        """Remove the server's tokens, registration and metadata from the store."""
        for name in (self.tokens_name, self.client_name, self.metadata_name):
            self.store.remove(name)


def _remember(token: OAuthToken) -> None:
    remember_secret(token.access_token)
    if token.refresh_token:
        remember_secret(token.refresh_token)


# -- providers ---------------------------------------------------------------------------


def client_metadata(redirect_uri: str) -> OAuthClientMetadata:
    return OAuthClientMetadata(
        client_name=f"mcpod {__version__}",
        redirect_uris=[AnyUrl(redirect_uri)],
        grant_types=["authorization_code", "refresh_token"],
        response_types=["code"],
        token_endpoint_auth_method="none",
    )


class McpodOAuth(OAuthClientProvider):
    """The SDK's provider, which also keeps the access token's expiry and the discovered
    metadata across processes (the SDK keeps both in memory only)."""

    def __init__(self, config: ServerConfig, storage: SecretTokenStorage, **kwargs: Any) -> None:
        assert config.url is not None
        self.storage = storage
        self.refreshes = 0
        super().__init__(config.url, storage=storage, **kwargs)

    async def _initialize(self) -> None:
        await super()._initialize()
        _, expires_at = self.storage.stored_tokens()
        self.context.token_expiry_time = expires_at
        if self.context.oauth_metadata is None:
            found = self.storage.get_metadata()
            self.context.oauth_metadata = found.oauth
            self.context.protected_resource_metadata = found.resource
            self.context.auth_server_url = found.auth_server_url

    async def _handle_token_response(self, response: httpx2.Response) -> None:
        await super()._handle_token_response(response)
        self.storage.set_metadata(
            ServerMetadata(
                self.context.oauth_metadata,
                self.context.protected_resource_metadata,
                self.context.auth_server_url,
            )
        )

    async def _handle_refresh_response(self, response: httpx2.Response) -> bool:
        refreshed = await super()._handle_refresh_response(response)
        if refreshed:
            self.refreshes += 1
            log.info("refreshed the OAuth access token for %s", self.context.server_url)
        return refreshed


class DaemonAuth(McpodOAuth):
    """The daemon's provider: stored tokens and refresh only; never a person in the loop.

    A 401 that stored tokens (refreshed once if they can be) do not answer sets
    `login_needed` and is handed to the transport as it is, so the connection fails at
    once rather than waiting on a login nobody is there to do.
    """

    def __init__(self, config: ServerConfig, store: SecretStore) -> None:
        super().__init__(
            config,
            SecretTokenStorage(store, config.name),
            client_metadata=client_metadata("http://127.0.0.1/callback"),
        )
        self.server = config.name
        self.login_needed = False

    async def _auth_flow(
        self, request: httpx2.Request
    ) -> AsyncGenerator[httpx2.Request, httpx2.Response]:
        flow = super()._auth_flow(request)
        try:
            outgoing = await flow.__anext__()
            while True:
                response = yield outgoing
                if outgoing is request and _challenged(response):
                    break
                outgoing = await flow.asend(response)
        except StopAsyncIteration:
            return
        finally:
            await flow.aclose()  # the SDK's flow holds the context's lock
        # The server refused the token it was sent (or none): one refresh, if there is a
        # refresh token, before giving up on the stored tokens.
        async with self.context.lock:
            if self.context.can_refresh_token():
                refresh = yield await self._refresh_token()
                if await self._handle_refresh_response(refresh):
                    self._add_auth_header(request)
                    response = yield request
                    if not _challenged(response):
                        return
        self.login_needed = True
        log.info("server %s: the OAuth tokens are missing or refused: needs login", self.server)


def _challenged(response: httpx2.Response) -> bool:
    return response.status_code == 401 or (
        response.status_code == 403
        and "insufficient_scope" in response.headers.get("www-authenticate", "")
    )


def daemon_auth(config: ServerConfig, store: SecretStore) -> DaemonAuth | None:
    """The daemon's provider for a remote server (None when its config sends its own)."""
    return DaemonAuth(config, store) if uses_oauth(config) else None


# -- the interactive login (`mcpod auth`) ------------------------------------------------


class LoginFailed(Exception):
    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class CallbackListener:
    """One loopback HTTP listener that takes the authorization redirect (`/callback`)."""

    def __init__(self, listener: anyio.abc.Listener[anyio.abc.SocketStream], port: int) -> None:
        self._listener = listener
        self.port = port
        self.redirect_uri = f"http://127.0.0.1:{port}/callback"
        self._result: AuthorizationCodeResult | None = None
        self._error: str | None = None
        self._done = anyio.Event()

    @classmethod
    async def open(cls, port: int = 0) -> CallbackListener:
        listener = await anyio.create_tcp_listener(local_host="127.0.0.1", local_port=port)
        bound = listener.extra(anyio.abc.SocketAttribute.local_port)
        return cls(listener, int(bound))

    async def serve(self) -> None:
        await self._listener.serve(self._handle)

    async def aclose(self) -> None:
        await self._listener.aclose()

    async def wait(self, timeout_s: float) -> AuthorizationCodeResult:
        with anyio.move_on_after(timeout_s):
            await self._done.wait()
        if self._result is not None:
            return self._result
        if self._error is not None:
            raise LoginFailed(f"the authorization server refused: {self._error}")
        raise LoginFailed(
            f"timed out after {timeout_s:g} s waiting for the browser to come back to "
            f"{self.redirect_uri} (run `mcpod auth` again, or pass a longer --timeout)"
        )

    async def _handle(self, stream: anyio.abc.SocketStream) -> None:
        async with stream:
            try:
                with anyio.fail_after(CALLBACK_READ_TIMEOUT_S):
                    head = await _read_head(stream)
            except (TimeoutError, anyio.EndOfStream, anyio.BrokenResourceError, ValueError):
                return
            parts = head.split(b"\r\n", 1)[0].split()
            target = parts[1].decode("latin-1") if len(parts) >= 2 else ""
            url = urlsplit(target)
            if url.path != "/callback" or self._done.is_set():
                await _respond(stream, 404, "Not found.")
                return
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            if "code" in query:
                self._result = AuthorizationCodeResult(
                    code=query["code"], state=query.get("state"), iss=query.get("iss")
                )
                await _respond(stream, 200, "mcpod is authorized. You can close this window.")
            else:
                error = query.get("error", "no authorization code in the redirect")
                detail = query.get("error_description")
                self._error = f"{error}: {detail}" if detail else error
                await _respond(stream, 400, f"Authorization failed: {self._error}")
            self._done.set()


async def _read_head(stream: anyio.abc.SocketStream) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data and b"\n\n" not in data:
        data += await stream.receive(4096)
        if len(data) > CALLBACK_MAX_BYTES:
            raise ValueError("request too large")
    return data


async def _respond(stream: anyio.abc.SocketStream, status: int, text: str) -> None:
    import html

    reason = {200: "OK", 400: "Bad Request", 404: "Not Found"}[status]
    body = f"<!doctype html><title>mcpod</title><p>{html.escape(text)}</p>\n".encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    with contextlib.suppress(anyio.BrokenResourceError, anyio.ClosedResourceError):
        await stream.send(head + body)


def can_open_browser() -> bool:
    return sys.platform == "darwin" or bool(
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    )


def _open_browser(url: str) -> None:
    """Ask for a browser in the background: the URL is printed anyway, never waited on."""

    def target() -> None:
        try:
            webbrowser.open(url)
        except Exception as exc:  # a missing browser is no failure: the URL was printed
            log.debug("webbrowser: %s", exc)

    threading.Thread(target=target, name="mcpod-browser", daemon=True).start()


async def login(
    config: ServerConfig,
    store: SecretStore,
    *,
    out: TextIO,
    timeout_s: float = LOGIN_TIMEOUT_S,
    port: int = 0,
    browser: bool | None = None,
    open_url: Callable[[str], None] = _open_browser,
) -> None:
    """Run the authorization flow for `config`'s server and store its tokens.

    `LoginFailed` says why it did not complete.
    """
    if not uses_oauth(config):
        raise LoginFailed(
            f"{config.name!r} is not a remote (http/sse) server, or its config sends its own "
            "Authorization header"
        )
    assert config.url is not None
    use_browser = can_open_browser() if browser is None else browser
    callback = await _listen(SecretTokenStorage(store, config.name), port)
    storage = SecretTokenStorage(
        store, config.name, ignore_stored_tokens=True, redirect_uri=callback.redirect_uri
    )
    authorized = False

    async def redirect(url: str) -> None:
        print(f"Open this URL in a browser to authorize mcpod for {config.name!r}:", file=out)
        print(url, file=out, flush=True)
        if use_browser:
            open_url(url)

    async def wait_for_callback() -> AuthorizationCodeResult:
        result = await callback.wait(timeout_s)
        nonlocal authorized
        authorized = True
        return result

    provider = McpodOAuth(
        config,
        storage,
        client_metadata=client_metadata(callback.redirect_uri),
        redirect_handler=redirect,
        callback_handler=wait_for_callback,
    )
    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(callback.serve)
            try:
                with anyio.fail_after(timeout_s + 2 * HTTP_TIMEOUT_S):
                    await _connect_once(config, provider)
            finally:
                tg.cancel_scope.cancel()
    except BaseException as exc:
        failure = _login_failure(exc)
        if failure is None:
            raise
        raise failure from None
    finally:
        await callback.aclose()
    if not authorized and storage.stored_tokens()[0] is None:
        raise LoginFailed("the server did not ask for a login (it may need none)")


async def _listen(storage: SecretTokenStorage, port: int) -> CallbackListener:
    """The loopback listener: on `port`, else on the port of the stored registration's
    redirect URI (so it can be used again), else on any free port."""
    if not port:
        client = storage.stored_client()
        for uri in (client.redirect_uris or []) if client else []:
            url = urlsplit(str(uri))
            if url.hostname == "127.0.0.1" and url.path == "/callback" and url.port:
                with contextlib.suppress(OSError):
                    return await CallbackListener.open(url.port)
    try:
        return await CallbackListener.open(port)
    except OSError as exc:
        raise LoginFailed(f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}") from None


def _login_failure(exc: BaseException) -> LoginFailed | None:
    while isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:
        exc = exc.exceptions[0]
    if isinstance(exc, LoginFailed):
        return exc
    if isinstance(exc, TimeoutError):
        return LoginFailed("timed out talking to the server")
    if isinstance(exc, Exception):  # OAuthFlowError, httpx2.HTTPError, ConfigError, OSError..
        return LoginFailed(redact(f"{type(exc).__name__}: {exc}"))
    return None


async def _connect_once(config: ServerConfig, provider: McpodOAuth) -> None:
    """One request as the transport's first would be (the `initialize` POST, or the SSE
    GET), sent with `provider`: the server's 401 runs the flow, inside this request, so
    every failure of the flow is raised here."""
    assert config.url is not None
    headers = {**config.headers}
    timeout = httpx2.Timeout(HTTP_TIMEOUT_S)
    async with httpx2.AsyncClient(headers=headers, timeout=timeout, auth=provider) as http:
        if config.transport == "sse":
            request = http.build_request("GET", config.url, headers={"Accept": "text/event-stream"})
        else:
            initialize = {
                "jsonrpc": "2.0",
                "id": 1,
                "method": "initialize",
                "params": {
                    "protocolVersion": PROBE_PROTOCOL_VERSION,
                    "capabilities": {},
                    "clientInfo": {"name": "mcpod", "version": __version__},
                },
            }
            request = http.build_request(
                "POST",
                config.url,
                json=initialize,
                headers={"Accept": "application/json, text/event-stream"},
            )
        response = await http.send(request, stream=True)
        try:
            status = response.status_code
            session = response.headers.get("mcp-session-id")
        finally:
            await response.aclose()
        if session and config.transport != "sse":
            # Close the session the probe opened (else it times out on its own).
            with anyio.move_on_after(5), contextlib.suppress(httpx2.HTTPError):
                await http.delete(config.url, headers={"mcp-session-id": session})
    if status in (401, 403):
        raise LoginFailed(f"the server still refuses mcpod after the login (HTTP {status})")
    if status >= 400:
        log.debug("server %s answered HTTP %d after the login", config.name, status)
