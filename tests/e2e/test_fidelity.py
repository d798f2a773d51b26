"""What goes through is what was sent: JSON types, the client's cancellation reason, and
answers the daemon cannot forward come back as errors at once (a stdlib server that
records what it receives and misbehaves on demand)."""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DaemonHome, wait_for
from tests.rawclient import ShimProcess

pytestmark = pytest.mark.e2e

RECORDER = Path(__file__).resolve().parents[1] / "servers" / "recorder_server.py"


@pytest.fixture
def recorded(mcpod_home: DaemonHome) -> tuple[DaemonHome, Path]:
    record = mcpod_home.home / "record.jsonl"
    server = {"command": sys.executable, "args": [str(RECORDER)], "env": {"RECORD": str(record)}}
    mcpod_home.write_config({"rec": {**server, "timeout": 20}})
    mcpod_home.start()
    return mcpod_home, record


def received(record: Path) -> list[dict[str, Any]]:
    if not record.exists():
        return []
    return [json.loads(line) for line in record.read_text().splitlines()]


def cancels(record: Path) -> list[dict[str, Any]]:
    return [m for m in received(record) if m.get("method") == "notifications/cancelled"]


def test_progress_keeps_its_json_types_and_extra_fields(recorded: tuple[DaemonHome, Path]) -> None:
    home, _ = recorded
    shim = ShimProcess(home.env)
    try:
        shim.initialize()
        shim.raw_request(1, "tools/call", {"name": "rec__progress", "arguments": {},
                                           "_meta": {"progressToken": "mine"}})  # fmt: skip
        notes = [shim.next(), shim.next()]
        assert [n["params"]["progress"] for n in notes] == [1, 2]
        assert all(type(n["params"]["progress"]) is int for n in notes)  # not 1.0
        assert notes[0]["params"] == {
            "progressToken": "mine", "progress": 1, "total": 2, "note": {"kept": True},
        }  # fmt: skip
        assert shim.response(1)["result"]["content"][0]["text"] == "done"
    finally:
        shim.close()


def test_the_clients_cancellation_reason_reaches_the_server(
    recorded: tuple[DaemonHome, Path],
) -> None:
    home, record = recorded
    shim = ShimProcess(home.env)
    try:
        shim.initialize()
        shim.raw_request(4, "tools/call", {"name": "rec__hold", "arguments": {}})
        wait_for(lambda: any(m.get("method") == "tools/call" for m in received(record)), 10,
                 "the call to reach the server")  # fmt: skip
        shim.send({"jsonrpc": "2.0", "method": "notifications/cancelled",
                   "params": {"requestId": 4, "reason": "user pressed stop"}})  # fmt: skip
        wait_for(lambda: cancels(record), 10, "the cancellation to reach the server")
        assert cancels(record)[0]["params"]["reason"] == "user pressed stop"
    finally:
        shim.close()


@pytest.mark.parametrize(("tool", "says"), [("not_an_object", "not"), ("garbled", "cannot read")])
def test_an_answer_that_cannot_be_forwarded_is_an_error_at_once(
    recorded: tuple[DaemonHome, Path], tool: str, says: str
) -> None:
    home, _ = recorded
    shim = ShimProcess(home.env)
    try:
        shim.initialize()
        started = time.monotonic()
        shim.raw_request(1, "tools/call", {"name": f"rec__{tool}", "arguments": {}})
        answer = shim.response(1, timeout=15)
        assert time.monotonic() - started < 2, "not left to the 20 s call timeout"
        assert "error" in answer and says in answer["error"]["message"], answer
        shim.raw_request(2, "tools/call", {"name": "rec__echo", "arguments": {}})
        assert shim.response(2)["result"]["content"][0]["text"] == "echo"
    finally:
        shim.close()


def test_a_client_that_vanishes_mid_call_has_it_cancelled_at_once(
    recorded: tuple[DaemonHome, Path],
) -> None:
    home, record = recorded
    shim = ShimProcess(home.env)
    shim.initialize()
    shim.raw_request(9, "tools/call", {"name": "rec__hold", "arguments": {}})
    wait_for(lambda: any(m.get("method") == "tools/call" for m in received(record)), 10,
             "the call to reach the server")  # fmt: skip
    os.kill(shim.proc.pid, signal.SIGKILL)
    shim.proc.wait()
    gone = time.monotonic()
    wait_for(lambda: cancels(record), 10, "the server to hear of it")
    assert time.monotonic() - gone < 1.5, "cancelled at once, not after the 5 s drain"


def test_a_burst_of_list_changed_is_one_reread(recorded: tuple[DaemonHome, Path]) -> None:
    home, record = recorded
    shim = ShimProcess(home.env)
    try:
        shim.initialize()
        shim.raw_request(1, "tools/call", {"name": "rec__burst", "arguments": {}})
        assert shim.response(1)["result"]["content"][0]["text"] == "burst"
        shim.raw_request(2, "tools/call", {"name": "rec__echo", "arguments": {}})
        shim.response(2)  # the re-read, if any, was sent before this call
        time.sleep(0.5)
        lists = [m for m in received(record) if m.get("method") == "tools/list"]
        assert 2 <= len(lists) <= 3, len(lists)  # the first listing, then one or two re-reads
    finally:
        shim.close()
