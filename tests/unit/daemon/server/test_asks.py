"""mcpod's own requests to a client: answers, errors, timeouts and the session's end."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from mcpod.daemon.server.asks import MAX_ASKS, ClientAsks
from mcpod.protocol import ErrorCode, RpcError

pytestmark = pytest.mark.anyio


class Client:
    """Records what mcpod sends; answers nothing unless told to."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.asks = ClientAsks(self.record)

    async def record(self, message: dict[str, Any]) -> None:
        self.sent.append(message)

    async def wait_sent(self, count: int) -> None:
        with anyio.fail_after(5):
            while len(self.sent) < count:
                await anyio.sleep(0.001)


async def test_the_answer_goes_back_to_the_request_that_asked() -> None:
    client = Client()
    results: dict[str, Any] = {}

    async def ask(name: str) -> None:
        results[name] = await client.asks.ask("roots/list", {"n": name}, timeout_s=5)

    async with anyio.create_task_group() as tg:
        tg.start_soon(ask, "first")
        tg.start_soon(ask, "second")
        await client.wait_sent(2)
        by_name = {m["params"]["n"]: m["id"] for m in client.sent}
        assert client.asks.answered(by_name["second"], {"who": "second"}, None)
        assert client.asks.answered(by_name["first"], {"who": "first"}, None)
    assert results == {"first": {"who": "first"}, "second": {"who": "second"}}
    assert not client.asks.answered(by_name["first"], {}, None), "an id is answered once"
    # The method comes before the id: the shim must not read a request as an answer.
    assert list(client.sent[0]) == ["jsonrpc", "method", "params", "id"]


async def test_an_error_answer_is_raised_with_its_code_and_an_odd_one_is_still_an_error() -> None:
    client = Client()

    async def refused(error: Any) -> RpcError:
        expected = len(client.sent) + 1
        async with anyio.create_task_group() as tg:

            async def answer() -> None:
                await client.wait_sent(expected)
                client.asks.answered(client.sent[-1]["id"], None, error)

            tg.start_soon(answer)
            with pytest.raises(RpcError) as raised:
                await client.asks.ask("sampling/createMessage", {}, timeout_s=5)
        return raised.value

    plain = await refused({"code": -5, "message": "user said no", "data": {"why": 1}})
    assert (plain.code, plain.message, plain.data) == (-5, "user said no", {"why": 1})
    odd = await refused("not an object")
    assert odd.code == ErrorCode.INTERNAL_ERROR and "cannot read" in odd.message


async def test_no_answer_in_time_is_a_timeout_and_the_client_is_told() -> None:
    client = Client()
    with pytest.raises(RpcError) as raised:
        await client.asks.ask("elicitation/create", {}, timeout_s=0.05)
    assert raised.value.code == ErrorCode.REQUEST_TIMEOUT
    cancel = client.sent[-1]
    assert cancel["method"] == "notifications/cancelled"
    assert cancel["params"]["requestId"] == client.sent[0]["id"]


async def test_a_cancelled_ask_tells_the_client() -> None:
    client = Client()
    with anyio.move_on_after(0.05):
        await client.asks.ask("sampling/createMessage", {}, timeout_s=5)
    assert client.sent[-1]["method"] == "notifications/cancelled"


async def test_the_sessions_end_fails_what_waits_and_what_comes_after() -> None:
    client = Client()
    failures: list[RpcError] = []

    async def ask() -> None:
        try:
            await client.asks.ask("roots/list", None, timeout_s=5)
        except RpcError as exc:
            failures.append(exc)

    async with anyio.create_task_group() as tg:
        tg.start_soon(ask)
        await client.wait_sent(1)
        client.asks.end("client session x ended")
    assert [f.code for f in failures] == [ErrorCode.CONNECTION_CLOSED]
    with pytest.raises(RpcError, match="ended"):
        await client.asks.ask("roots/list", None, timeout_s=5)
    assert len(client.sent) == 1, "nothing is sent to a session that ended"


async def test_too_many_waiting_asks_are_refused() -> None:
    client = Client()

    async def wait_forever() -> None:
        with pytest.raises(RpcError):
            await client.asks.ask("roots/list", None, timeout_s=5)

    async with anyio.create_task_group() as tg:
        for _ in range(MAX_ASKS):
            tg.start_soon(wait_forever)
        await client.wait_sent(MAX_ASKS)
        with pytest.raises(RpcError) as raised:
            await client.asks.ask("roots/list", None, timeout_s=5)
        assert raised.value.code == ErrorCode.OVERLOADED
        client.asks.end("done")
