"""Requests from servers to clients (sampling, elicitation, roots) through real shims, with
the SDK client's callbacks: they reach the session they are for, or get the documented
error when no one session can be told apart."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anyio
import mcp.types as types
import pytest
from mcp import Client

from tests.conftest import DaemonHome, everything_server, probe_server, short_tempdir, wait_for

pytestmark = [pytest.mark.anyio, pytest.mark.e2e]


def text_of(result: Any) -> str:
    return "\n".join(getattr(c, "text", "") for c in result.content)


class Answers:
    """One client's sampling, elicitation and roots callbacks, each answering as `who`."""

    def __init__(self, who: str, root: Path | None = None) -> None:
        self.who = who
        self.root = f"file://{root}" if root else f"file:///work/{who}"
        self.roots_asked = 0
        self.sampled: list[str] = []

    async def sampling(self, context: Any, params: types.CreateMessageRequestParams) -> Any:
        self.sampled.append(str(params.messages[0].content))
        return types.CreateMessageResult(
            role="assistant",
            content=types.TextContent(type="text", text=f"sampled by {self.who}"),
            model="test-model",
        )

    async def elicitation(self, context: Any, params: types.ElicitRequestParams) -> Any:
        return types.ElicitResult(action="accept", content={"name": self.who})

    async def roots(self, context: Any) -> Any:
        self.roots_asked += 1
        return types.ListRootsResult(roots=[types.Root(uri=self.root)])

    def client(self, home: DaemonHome) -> Client:
        return Client(
            home.shim_params(), mode="legacy", cache=None,
            sampling_callback=self.sampling, elicitation_callback=self.elicitation,
            list_roots_callback=self.roots,
        )  # fmt: skip


def idle_out(home: DaemonHome, name: str) -> None:
    """Wait until the server, started at first to learn its tools, has stopped again (its
    next start is then one a session causes, with the capabilities of those connected)."""

    def stopped() -> bool:
        server = next(s for s in home.status()["servers"] if s["name"] == name)
        return server["state"] == "stopped" and server["starts"] > 0

    wait_for(stopped, 30, f"{name} to stop after indexing")


async def test_sampling_elicitation_and_roots_reach_the_session_that_called(
    mcpod_home: DaemonHome,
) -> None:
    mcpod_home.write_config({"everything": {**everything_server(), "scope": "session"}})
    mcpod_home.start()
    alice, bob = Answers("alice"), Answers("bob")
    async with alice.client(mcpod_home) as a, bob.client(mcpod_home) as b:
        names = {t.name for t in (await a.list_tools()).tools}
        assert {"everything__trigger-sampling-request", "everything__get-roots-list"} <= names
        for answers, client in ((alice, a), (bob, b)):
            sampled = await client.call_tool(
                "everything__trigger-sampling-request", {"prompt": f"hello {answers.who}"}
            )
            assert f"sampled by {answers.who}" in text_of(sampled)
            assert f"hello {answers.who}" in answers.sampled[-1]
            elicited = await client.call_tool("everything__trigger-elicitation-request", {})
            assert f"- Name: {answers.who}" in text_of(elicited)
            roots = await client.call_tool("everything__get-roots-list", {})
            assert f"file:///work/{answers.who}" in text_of(roots)
        assert (len(alice.sampled), len(bob.sampled)) == (1, 1), "each asked once, its own"

        # A roots change reaches the session's own instance, which asks for them again.
        asked, bob_asked = alice.roots_asked, bob.roots_asked
        await a.session.send_roots_list_changed()
        with anyio.fail_after(15):
            while alice.roots_asked == asked:
                await anyio.sleep(0.05)
        await anyio.sleep(0.5)
        assert bob.roots_asked == bob_asked, "bob's instance was not told of alice's roots"


async def test_a_project_is_the_clients_first_root(mcpod_home: DaemonHome) -> None:
    mcpod_home.write_config({"probe": {**probe_server(), "scope": "project"}})
    mcpod_home.start()
    team, solo = short_tempdir(), short_tempdir()
    alice, carol, bob = Answers("alice", team), Answers("carol", team), Answers("bob", solo)
    async with (
        alice.client(mcpod_home) as a,
        carol.client(mcpod_home) as c,
        bob.client(mcpod_home) as b,
    ):
        found = {}
        for who, client in (("alice", a), ("carol", c), ("bob", b)):
            found[who] = json.loads(text_of(await client.call_tool("probe__where", {})))
        assert found["alice"]["pid"] == found["carol"]["pid"] != found["bob"]["pid"]
        assert Path(found["alice"]["cwd"]) == team and Path(found["bob"]["cwd"]) == solo


async def test_a_shared_server_asks_the_one_session_with_a_call_in_flight(
    mcpod_home: DaemonHome,
) -> None:
    mcpod_home.write_config({"probe": {**probe_server(), "idleTimeout": 1}})
    mcpod_home.start()
    idle_out(mcpod_home, "probe")
    alice, bob = Answers("alice"), Answers("bob")
    async with alice.client(mcpod_home) as a, bob.client(mcpod_home) as b:
        result = await b.call_tool("probe__sample", {"prompt": "hi"})
        assert text_of(result) == "sampled by bob"
        result = await a.call_tool("probe__sample", {"prompt": "hi"})
        assert text_of(result) == "sampled by alice"
        assert alice.sampled and bob.sampled


async def test_calls_from_two_sessions_make_a_request_ambiguous(mcpod_home: DaemonHome) -> None:
    mcpod_home.write_config({"probe": probe_server()})
    mcpod_home.start()
    alice, bob = Answers("alice"), Answers("bob")
    async with alice.client(mcpod_home) as a, bob.client(mcpod_home) as b:
        await a.call_tool("probe__whoami", {})  # started and warm
        outcome: dict[str, str] = {}

        async def sample_while_alice_sleeps() -> None:
            await anyio.sleep(0.3)
            outcome["bob"] = text_of(
                await b.call_tool("probe__sample", {"prompt": "hi", "wait": 0.5})
            )

        async with anyio.create_task_group() as tg:
            tg.start_soon(sample_while_alice_sleeps)
            await a.call_tool("probe__sleep", {"seconds": 2.5})
        assert outcome["bob"].startswith("refused: -32090 ")
        assert 'Give it "scope": "session"' in outcome["bob"]
        assert not alice.sampled and not bob.sampled, "no client was asked"
    assert "cannot tell which client session" in mcpod_home.daemon_log()


async def test_a_request_with_no_call_in_flight_on_a_shared_server_is_refused(
    mcpod_home: DaemonHome,
) -> None:
    mcpod_home.write_config({"everything": {**everything_server(), "idleTimeout": 1}})
    mcpod_home.start()
    idle_out(mcpod_home, "everything")
    alice = Answers("alice")
    server_log = mcpod_home.home / "logs" / "servers" / "everything.log"
    async with alice.client(mcpod_home) as a:
        # Started now, offered alice's roots capability; it asks for roots on its own,
        # a moment after the handshake, when no call is in flight.
        await a.call_tool("everything__echo", {"message": "start"})
        await anyio.to_thread.run_sync(
            wait_for,
            lambda: "cannot tell which client session" in server_log.read_text(errors="replace"),
            15,
            "the server to log mcpod's refusal",
        )
        assert alice.roots_asked == 0


async def test_a_client_without_the_capability_or_on_2026_gets_a_clear_refusal(
    mcpod_home: DaemonHome,
) -> None:
    mcpod_home.write_config({"probe": probe_server()})
    mcpod_home.start()
    async with (
        Client(mcpod_home.shim_params(), mode="legacy", cache=None) as plain,
        Client(mcpod_home.shim_params(), mode="auto", cache=None) as modern,
    ):
        result = text_of(await plain.call_tool("probe__sample", {"prompt": "hi"}))
        assert result.startswith("refused: -32601 ")
        assert "did not declare the 'sampling' capability" in result
        assert modern.protocol_version == "2026-07-28"
        result = text_of(await modern.call_tool("probe__sample", {"prompt": "hi"}))
        assert "has no requests from servers to clients" in result
