"""Real daemon, real shim, real upstream servers, the SDK client in both protocol eras."""

from __future__ import annotations

import time
from typing import Any

import anyio
import psutil
import pytest
from mcp import Client

from tests.conftest import DaemonHome

pytestmark = [pytest.mark.anyio, pytest.mark.e2e]


def text_of(result: Any) -> str:
    return " ".join(getattr(c, "text", "") for c in result.content)


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_session_lists_and_calls_in_both_eras(daemon: DaemonHome, mode: str) -> None:
    async with Client(daemon.shim_params(), mode=mode, cache=None) as client:
        expected = "2025-11-25" if mode == "legacy" else "2026-07-28"
        assert client.protocol_version == expected
        names = {t.name for t in (await client.list_tools()).tools}
        assert {"everything__echo", "everything__get-sum", "probe__whoami"} <= names
        assert all(len(n) <= 64 for n in names)
        result = await client.call_tool("everything__echo", {"message": f"hi {mode}"})
        assert text_of(result) == f"Echo: hi {mode}"
        prompts = {p.name for p in (await client.list_prompts()).prompts}
        assert "everything__args-prompt" in prompts
        prompt = await client.get_prompt("everything__args-prompt", {"city": "Paris"})
        assert "Paris" in str(prompt.messages[0].content)
        resources = (await client.list_resources()).resources
        assert resources, "the everything server's static resources are listed"
        read = await client.read_resource(resources[0].uri)
        assert read.contents


async def test_two_sessions_share_one_upstream_process(daemon: DaemonHome) -> None:
    async with (
        Client(daemon.shim_params(), mode="legacy", cache=None) as a,
        Client(daemon.shim_params(), mode="auto", cache=None) as b,
    ):
        pid_a = text_of(await a.call_tool("probe__whoami", {}))
        pid_b = text_of(await b.call_tool("probe__whoami", {}))
        assert pid_a == pid_b
        status = await anyio.to_thread.run_sync(daemon.status)
        assert status["sessions"] == 2
        probe = next(s for s in status["servers"] if s["name"] == "probe")
        assert probe["pid"] == int(pid_a)
        assert probe["calls"] == 2
        assert psutil.Process(int(pid_a)).ppid() == status["pid"], "the daemon owns the upstream"


async def test_unknown_tool_is_an_error_not_a_crash(daemon: DaemonHome) -> None:
    async with Client(daemon.shim_params(), mode="legacy", cache=None) as client:
        from mcp import MCPError

        with pytest.raises(MCPError) as info:
            await client.session.call_tool("nosuch__tool", {})
        assert info.value.error.code == -32602
        assert "Unknown tool" in info.value.error.message
        assert text_of(await client.call_tool("everything__echo", {"message": "still here"}))


async def test_progress_reaches_the_session_that_asked(daemon: DaemonHome) -> None:
    seen: dict[str, list[float]] = {"a": [], "b": []}

    async def run(tag: str, steps: int) -> None:
        async def on_progress(progress: float, total: float | None, message: str | None) -> None:
            seen[tag].append(progress)

        async with Client(daemon.shim_params(), mode="legacy", cache=None) as client:
            result = await client.call_tool(
                "probe__count", {"steps": steps}, progress_callback=on_progress
            )
            assert text_of(result) == f"counted {steps}"

    async with anyio.create_task_group() as tg:
        tg.start_soon(run, "a", 3)
        tg.start_soon(run, "b", 5)
    assert seen["a"] == [1, 2, 3]
    assert seen["b"] == [1, 2, 3, 4, 5]


async def test_cancellation_reaches_the_upstream(daemon: DaemonHome) -> None:
    marks = daemon.home / "marks"
    async with Client(daemon.shim_params(), mode="legacy", cache=None) as client:
        async with anyio.create_task_group() as tg:

            async def call() -> None:
                await client.call_tool("probe__sleep", {"seconds": 30, "tag": "c1"})

            tg.start_soon(call)
            with anyio.fail_after(30):  # cancel once the call is running upstream
                while not (marks / "started-c1").exists():
                    await anyio.sleep(0.05)
            tg.cancel_scope.cancel()
        with anyio.fail_after(10):
            while not (marks / "cancelled-c1").exists():
                await anyio.sleep(0.05)
        # the session and the shared upstream are still usable
        assert (
            text_of(await client.call_tool("everything__echo", {"message": "after"}))
            == "Echo: after"
        )


async def test_list_changed_reaches_every_session_in_both_eras(daemon: DaemonHome) -> None:
    legacy_seen = anyio.Event()

    async def on_message(message: Any) -> None:
        if getattr(message, "method", "") == "notifications/tools/list_changed":
            legacy_seen.set()

    async with (
        Client(
            daemon.shim_params(), mode="legacy", cache=None, message_handler=on_message
        ) as legacy,
        Client(daemon.shim_params(), mode="auto", cache=None) as modern,
    ):
        await legacy.list_tools()
        await modern.list_tools()
        async with modern.listen(tools_list_changed=True) as events:
            await legacy.call_tool("probe__add_tool", {"name": "fresh"})
            with anyio.fail_after(10):
                event = await events.__anext__()
                await legacy_seen.wait()
        assert type(event).__name__ == "ToolsListChanged"
        for client in (legacy, modern):
            names = {t.name for t in (await client.list_tools()).tools}
            assert "probe__fresh" in names
        assert text_of(await modern.call_tool("probe__fresh", {})) == "I am fresh"


def test_a_client_leaving_with_an_open_listen_closes_promptly(daemon: DaemonHome) -> None:
    from tests.conftest import wait_for
    from tests.rawclient import ShimProcess

    meta = {"_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28"}}
    shim = ShimProcess(daemon.env)
    shim.raw_request(1, "server/discover", meta)
    assert shim.response(1)["result"]["supportedVersions"] == ["2026-07-28"]
    shim.raw_request(
        "l1", "subscriptions/listen", {"notifications": {"toolsListChanged": True}, **meta}
    )
    ack = shim.next()
    assert ack["method"] == "notifications/subscriptions/acknowledged"
    assert ack["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"] == "l1"
    started = time.monotonic()
    shim.close()  # gone without cancelling its listen; the shim waits for the daemon to close
    # The open listen must not hold the session for the 5 s drain of in-flight requests.
    assert time.monotonic() - started < 4
    wait_for(lambda: daemon.status()["sessions"] == 0, 4, "the session to close")
