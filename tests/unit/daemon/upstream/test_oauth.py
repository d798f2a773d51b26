from __future__ import annotations

import json
import stat
import time
from pathlib import Path

import anyio
import pytest
from mcp.shared.auth import OAuthClientInformationFull, OAuthMetadata, OAuthToken
from pydantic import AnyUrl

from mcpod.config import SecretStore, ServerConfig
from mcpod.daemon.upstream.oauth import (
    CallbackListener,
    LoginFailed,
    NeedsLogin,
    SecretTokenStorage,
    ServerMetadata,
    find_needs_login,
    secret_names,
    uses_oauth,
)
from mcpod.protocol.redact import redact

pytestmark = pytest.mark.anyio


def storage(tmp_path: Path, **kwargs: bool) -> SecretTokenStorage:
    return SecretTokenStorage(SecretStore(tmp_path / "secrets.json"), "web", **kwargs)


async def test_tokens_round_trip_with_their_expiry(tmp_path: Path) -> None:
    store = storage(tmp_path)
    assert await store.get_tokens() is None and store.stored_tokens() == (None, None)
    token = OAuthToken(access_token="at-1", expires_in=60, refresh_token="rt-1", scope="a b")
    before = time.time()
    await store.set_tokens(token)
    again = await storage(tmp_path).get_tokens()  # a new process reads the same store
    assert again == token
    _, expires_at = storage(tmp_path).stored_tokens()
    assert expires_at is not None and before + 60 <= expires_at <= time.time() + 60
    raw = json.loads((tmp_path / "secrets.json").read_text())["secrets"]
    assert set(raw) == {"oauth.web.tokens"}
    assert stat.S_IMODE((tmp_path / "secrets.json").stat().st_mode) == 0o600


async def test_a_token_without_expiry_has_none(tmp_path: Path) -> None:
    store = storage(tmp_path)
    await store.set_tokens(OAuthToken(access_token="at-2"))
    assert store.stored_tokens() == (OAuthToken(access_token="at-2"), None)


async def test_client_registration_and_metadata_round_trip(tmp_path: Path) -> None:
    store = storage(tmp_path)
    assert await store.get_client_info() is None
    client = OAuthClientInformationFull(
        client_id="cid",
        client_secret="csecret",
        redirect_uris=[AnyUrl("http://127.0.0.1:5555/callback")],
        token_endpoint_auth_method="client_secret_post",
    )
    await store.set_client_info(client)
    assert await storage(tmp_path).get_client_info() == client
    metadata = OAuthMetadata.model_validate({
        "issuer": "https://auth.example.com",
        "authorization_endpoint": "https://auth.example.com/authorize",
        "token_endpoint": "https://auth.example.com/token",
    })  # fmt: skip
    store.set_metadata(ServerMetadata(metadata, None, "https://auth.example.com"))
    found = storage(tmp_path).get_metadata()
    assert found.oauth == metadata and found.resource is None
    assert found.auth_server_url == "https://auth.example.com"
    store.forget()
    assert SecretStore(tmp_path / "secrets.json").names() == []


async def test_a_fresh_login_ignores_stored_tokens_until_it_stores_new_ones(
    tmp_path: Path,
) -> None:
    await storage(tmp_path).set_tokens(OAuthToken(access_token="old"))
    fresh = storage(tmp_path, ignore_stored_tokens=True)
    assert await fresh.get_tokens() is None
    assert await storage(tmp_path).get_tokens() == OAuthToken(access_token="old")
    await fresh.set_tokens(OAuthToken(access_token="new"))
    assert await fresh.get_tokens() == OAuthToken(access_token="new")


async def test_unreadable_records_are_ignored(tmp_path: Path) -> None:
    secrets = SecretStore(tmp_path / "secrets.json")
    tokens, client, metadata = secret_names("web")
    secrets.set(tokens, "not json")
    secrets.set(client, json.dumps({"client_id": 3}))
    secrets.set(metadata, json.dumps({"oauth": {"issuer": 1}}))
    store = storage(tmp_path)
    assert await store.get_tokens() is None and await store.get_client_info() is None
    assert store.get_metadata() == ServerMetadata()


async def test_tokens_read_or_stored_are_masked_in_messages(tmp_path: Path) -> None:
    await storage(tmp_path).set_tokens(
        OAuthToken(access_token="sekrit-access-123", refresh_token="sekrit-refresh-456")
    )
    text = redact("sent sekrit-access-123 and sekrit-refresh-456")
    assert "sekrit-access-123" not in text and "sekrit-refresh-456" not in text


def test_which_servers_use_oauth() -> None:
    def server(**kwargs: object) -> ServerConfig:
        return ServerConfig(name="s", **kwargs)  # type: ignore[arg-type]

    assert uses_oauth(server(transport="http", url="https://x/mcp"))
    assert uses_oauth(server(transport="sse", url="https://x/sse"))
    assert not uses_oauth(
        server(transport="http", url="https://x/mcp", headers={"authorization": "Bearer k"})
    )
    assert not uses_oauth(server(transport="stdio", command="srv"))


def test_needs_login_is_found_inside_groups_and_names_the_command() -> None:
    found = NeedsLogin("web")
    assert "mcpod auth web" in found.message
    assert find_needs_login(ExceptionGroup("g", [ExceptionGroup("h", [found])])) is found
    try:
        try:
            raise found
        except NeedsLogin as exc:
            raise RuntimeError("wrapped") from exc
    except RuntimeError as outer:
        assert find_needs_login(outer) is found
    assert find_needs_login(ValueError("x")) is None


async def test_the_callback_listener_takes_the_code_and_times_out_clearly() -> None:
    listener = await CallbackListener.open()
    async with anyio.create_task_group() as tg:
        tg.start_soon(listener.serve)
        async with await anyio.connect_tcp("127.0.0.1", listener.port) as stream:
            await stream.send(b"GET /callback?code=c0de&state=st HTTP/1.1\r\nHost: x\r\n\r\n")
            reply = await stream.receive()
        assert reply.startswith(b"HTTP/1.1 200")
        result = await listener.wait(1)
        assert (result.code, result.state) == ("c0de", "st")
        tg.cancel_scope.cancel()
    await listener.aclose()

    idle = await CallbackListener.open()
    with pytest.raises(LoginFailed, match=r"timed out after 0\.1 s"):
        await idle.wait(0.1)
    await idle.aclose()
