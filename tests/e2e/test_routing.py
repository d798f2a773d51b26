"""Routing under concurrency and bad input, through real shims into a real daemon."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time

import pytest

from tests.conftest import INSPECTOR, NODE, DaemonHome, require_node_tools, wait_for
from tests.rawclient import ShimProcess

pytestmark = pytest.mark.e2e


def test_colliding_ids_never_cross_sessions(daemon: DaemonHome) -> None:
    shims = {tag: ShimProcess(daemon.env) for tag in ("a", "b")}
    try:
        for shim in shims.values():
            shim.initialize()

        # Both sessions use ids 1..40 at once, with different payloads behind the same ids.
        def fire(tag: str) -> None:
            for i in range(1, 41):
                shims[tag].raw_request(i, "tools/call", {
                    "name": "everything__echo", "arguments": {"message": f"{tag}-{i}"},
                })  # fmt: skip

        threads = [threading.Thread(target=fire, args=(tag,)) for tag in shims]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for tag, shim in shims.items():
            got = {}
            while len(got) < 40:
                message = shim.next()
                if "id" in message:
                    got[message["id"]] = message["result"]["content"][0]["text"]
            assert got == {i: f"Echo: {tag}-{i}" for i in range(1, 41)}
    finally:
        for shim in shims.values():
            shim.close()


def test_same_progress_token_in_two_sessions_stays_apart(daemon: DaemonHome) -> None:
    shims = [ShimProcess(daemon.env), ShimProcess(daemon.env)]
    try:
        for steps, shim in zip((2, 4), shims, strict=True):
            shim.initialize()
            params = {"name": "probe__count", "arguments": {"steps": steps}}
            shim.raw_request(7, "tools/call", {**params, "_meta": {"progressToken": "tok"}})
        for steps, shim in zip((2, 4), shims, strict=True):
            progress = []
            while True:
                message = shim.next()
                if message.get("method") == "notifications/progress":
                    assert message["params"]["progressToken"] == "tok"
                    progress.append(message["params"]["progress"])
                elif message.get("id") == 7:
                    break
            assert progress == list(range(1, steps + 1))
    finally:
        for shim in shims:
            shim.close()


def test_bad_input_gets_errors_and_the_daemon_keeps_serving(daemon: DaemonHome) -> None:
    shim = ShimProcess(daemon.env)
    try:
        shim.initialize()
        shim.send_bytes(b"{not json\n")
        assert shim.next()["error"]["code"] == -32700
        shim.send_bytes(b'{"jsonrpc":"2.0","id":5,"method":"tools/call","params":[1,2]}\n')
        assert shim.response(5)["error"]["code"] == -32600
        shim.raw_request(6, "no/such/method")
        assert shim.response(6)["error"]["code"] == -32601
        shim.send_bytes(
            b'{"jsonrpc":"2.0","id":8,"method":"ping","params":{"pad":"'
            + b"x" * (33 << 20)
            + b'"}}\n'
        )
        error = shim.next(timeout=60)["error"]
        assert error["code"] == -32096 and "exceeds" in error["message"]
        shim.send_bytes(b"\n\n   \n")  # blank lines are ignored
        shim.raw_request(
            9, "tools/call", {"name": "everything__echo", "arguments": {"message": "ok"}}
        )
        assert shim.response(9)["result"]["content"][0]["text"] == "Echo: ok"
    finally:
        shim.close()
    assert daemon.status()["pid"] == daemon.process.pid  # type: ignore[union-attr]


def test_a_dead_upstream_is_an_error_then_restarts(daemon: DaemonHome) -> None:
    import psutil

    shim = ShimProcess(daemon.env)
    try:
        shim.initialize()
        shim.raw_request(1, "tools/call", {"name": "probe__whoami", "arguments": {}})
        first_pid = int(shim.response(1)["result"]["content"][0]["text"])
        shim.raw_request(
            2, "tools/call", {"name": "probe__sleep", "arguments": {"seconds": 30, "tag": "d1"}}
        )
        # Kill only once the call is running upstream (under load it could still be queued).
        wait_for((daemon.home / "marks" / "started-d1").exists, 30, "the sleep to start")
        psutil.Process(first_pid).kill()
        error = shim.response(2)["error"]
        assert error["code"] == -32000  # connection closed: the call fails, nothing hangs
        shim.raw_request(3, "tools/call", {"name": "probe__whoami", "arguments": {}})
        second_pid = int(shim.response(3)["result"]["content"][0]["text"])
        assert second_pid != first_pid
        probe = next(s for s in daemon.status()["servers"] if s["name"] == "probe")
        assert probe["starts"] == 2 and probe["pid"] == second_pid
    finally:
        shim.close()


def test_inspector_cli_lists_and_calls_through_the_shim(daemon: DaemonHome) -> None:
    require_node_tools()
    env = {**daemon.env, "PATH": f"{NODE.parent}:{daemon.env['PATH']}"}
    # The Inspector passes the server only a default environment: MCPOD_HOME goes by -e.
    base = [
        str(INSPECTOR),
        "--cli",
        "-e",
        f"MCPOD_HOME={daemon.home}",
        sys.executable,
        "-m",
        "mcpod.shim",
        "--mode=all",
    ]
    listed = subprocess.run(
        [*base, "--method", "tools/list", "--format", "json"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert listed.returncode == 0, listed.stderr
    names = {tool["name"] for tool in json.loads(listed.stdout)["result"]["tools"]}
    assert {"everything__echo", "probe__whoami"} <= names
    called = subprocess.run(
        [*base, "--method", "tools/call", "--tool-name", "everything__get-sum",
         "--tool-args-json", '{"a": 2, "b": 40}', "--format", "json"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert called.returncode == 0, called.stderr
    assert "42" in json.loads(called.stdout)["result"]["content"][0]["text"]
    missing = subprocess.run(
        [*base, "--method", "tools/call", "--tool-name", "nosuch__tool", "-q"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert missing.returncode == 5  # the Inspector's TOOL_ERROR exit


def test_a_log_message_reaches_the_session_whose_request_is_in_flight(daemon: DaemonHome) -> None:
    asking, idle = ShimProcess(daemon.env), ShimProcess(daemon.env)
    try:
        asking.initialize()
        idle.initialize()
        asking.raw_request(
            1, "tools/call", {"name": "probe__say", "arguments": {"message": "hello-log"}}
        )
        logs = []
        while True:
            message = asking.next()
            if message.get("method") == "notifications/message":
                logs.append(message["params"]["data"])
            elif message.get("id") == 1:
                break
        assert logs == ["hello-log"]
        idle.raw_request(2, "ping")  # the idle session got nothing before its own answer
        assert idle.next() == {"jsonrpc": "2.0", "id": 2, "result": {}}
    finally:
        asking.close()
        idle.close()


def test_resource_updates_reach_only_subscribed_sessions(daemon: DaemonHome) -> None:
    subscriber, other = ShimProcess(daemon.env), ShimProcess(daemon.env)
    try:
        subscriber.initialize()
        other.initialize()
        subscriber.raw_request(1, "resources/list")
        uri = subscriber.response(1)["result"]["resources"][0]["uri"]
        subscriber.raw_request(2, "resources/subscribe", {"uri": uri})
        assert subscriber.response(2)["result"] == {}
        subscriber.raw_request(
            3, "tools/call", {"name": "everything__toggle-subscriber-updates", "arguments": {}}
        )
        subscriber.response(3)
        deadline = time.monotonic() + 30
        while True:  # server-everything sends updates for subscribed URIs every few seconds
            message = subscriber.next(timeout=max(1, deadline - time.monotonic()))
            if message.get("method") == "notifications/resources/updated":
                assert message["params"]["uri"] == uri
                break
        other.raw_request(4, "ping")
        assert other.next() == {"jsonrpc": "2.0", "id": 4, "result": {}}  # nothing before it
    finally:
        subscriber.close()
        other.close()


def test_completion_is_routed_to_the_prompt_owner(daemon: DaemonHome) -> None:
    shim = ShimProcess(daemon.env)
    try:
        shim.initialize()
        shim.raw_request(1, "prompts/list")
        prompts = shim.response(1)["result"]["prompts"]
        completable = next(p for p in prompts if p["name"] == "everything__completable-prompt")
        argument = completable["arguments"][0]["name"]
        shim.raw_request(2, "completion/complete", {
            "ref": {"type": "ref/prompt", "name": "everything__completable-prompt"},
            "argument": {"name": argument, "value": ""},
        })  # fmt: skip
        values = shim.response(2)["result"]["completion"]["values"]
        assert values, "the upstream's completions come back"
        unknown = {"type": "ref/prompt", "name": "nosuch__prompt"}
        shim.raw_request(
            3, "completion/complete", {"ref": unknown, "argument": {"name": "x", "value": ""}}
        )
        assert shim.response(3)["error"]["code"] == -32602
    finally:
        shim.close()
