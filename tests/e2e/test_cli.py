"""The commands that drive a running daemon: their `--json` shapes and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from typing import Any

import pytest

from tests.conftest import DaemonHome, probe_server, wait_for

pytestmark = pytest.mark.e2e


def run(home: DaemonHome, *args: str) -> subprocess.CompletedProcess[str]:
    return home.mcpod(*args, check=False)


def as_json(done: subprocess.CompletedProcess[str]) -> Any:
    return json.loads(done.stdout)


def test_without_a_daemon_the_commands_say_so(mcpod_home: DaemonHome) -> None:
    mcpod_home.write_config({"probe": probe_server()})
    for args in (("restart", "probe"), ("stop", "probe")):
        done = run(mcpod_home, *args)
        assert done.returncode == 3 and "not running" in done.stderr, (args, done)
    assert run(mcpod_home, "logs").returncode == 1
    doctor = run(mcpod_home, "doctor", "--json")
    report = as_json(doctor)
    assert doctor.returncode == 0 and report["ok"] is True
    assert {"check": "daemon", "level": "warn"}.items() <= next(
        c for c in report["checks"] if c["check"] == "daemon"
    ).items()


def test_start_call_restart_stop_and_logs(mcpod_home: DaemonHome) -> None:
    mcpod_home.write_config({"probe": probe_server()})
    started = run(mcpod_home, "start", "probe", "--json")  # starts the daemon too
    assert started.returncode == 0, started.stderr
    probe = next(s for s in as_json(started)["servers"] if s["name"] == "probe")
    assert probe["state"] == "ready" and probe["pid"]
    assert "starting probe" in started.stderr, "progress goes to stderr"

    called = run(mcpod_home, "call", "probe", "whoami", "--json")
    assert called.returncode == 0
    answer = as_json(called)
    assert answer["result"]["content"][0]["text"] == str(probe["pid"]) and answer["ms"] > 0
    text = run(mcpod_home, "call", "probe", "probe__say", "--args", '{"message": "hello log"}')
    assert (text.returncode, text.stdout.strip()) == (0, "said")
    assert run(mcpod_home, "call", "probe", "whoami", "--args", "[1]").returncode == 2
    assert run(mcpod_home, "call", "probe", "whoami", "--args", "{nope").returncode == 2
    unknown = run(mcpod_home, "call", "nope", "whoami")
    assert unknown.returncode == 1 and "no enabled server named 'nope'" in unknown.stderr
    failing = run(mcpod_home, "call", "probe", "sleep", "--args", '{"seconds": "x"}')
    assert failing.returncode == 1, "a tool error is exit 1"

    restarted = as_json(run(mcpod_home, "restart", "probe", "--json"))
    after = next(s for s in restarted["servers"] if s["name"] == "probe")
    assert after["state"] == "ready" and after["pid"] != probe["pid"]
    stopped = run(mcpod_home, "stop", "probe")
    assert stopped.returncode == 0 and "probe: stopped" in stopped.stdout
    assert run(mcpod_home, "restart", "nope").returncode == 1

    logs = run(mcpod_home, "logs", "--json", "-n", "200")
    events = [json.loads(line) for line in logs.stdout.splitlines()]
    assert {"time", "level", "logger", "message"} <= set(events[-1])
    assert any("server probe ready" in e["message"] for e in events)
    readable = run(mcpod_home, "logs", "-n", "5").stdout
    assert " INFO mcpod." in readable and not readable.lstrip().startswith("{")
    server_log = run(mcpod_home, "logs", "probe", "-n", "100").stdout
    assert "--- mcpod: starting probe" in server_log


def test_logs_follow_prints_new_lines(mcpod_home: DaemonHome) -> None:
    mcpod_home.write_config({"probe": probe_server()})
    assert run(mcpod_home, "start", "probe").returncode == 0
    follower = subprocess.Popen(
        [sys.executable, "-m", "mcpod", "logs", "-f", "-n", "0"],
        env=mcpod_home.env, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    seen: list[str] = []
    reader = threading.Thread(target=lambda: seen.extend(follower.stdout or ()), daemon=True)
    reader.start()
    try:
        run(mcpod_home, "restart", "probe")
        wait_for(lambda: any("server probe ready" in line for line in seen), 15,
                 "the follower to print the restart")  # fmt: skip
    finally:
        follower.terminate()
        follower.wait(timeout=10)


def test_doctor_names_the_problem_and_the_fix(mcpod_home: DaemonHome) -> None:
    mcpod_home.write_config(
        {
            "probe": probe_server(),
            "gone": {"command": "no-such-command-anywhere"},
            "locked": {**probe_server(), "env": {"K": "${secret:DOCTOR_K}"}},
        }
    )
    assert run(mcpod_home, "start", "probe").returncode == 0
    done = run(mcpod_home, "doctor", "--json")
    report = as_json(done)
    assert done.returncode == 1 and report["ok"] is False
    by_check = {c["check"]: c for c in report["checks"]}
    assert by_check["server gone"]["level"] == "error"
    assert "not on PATH" in by_check["server gone"]["message"]
    assert by_check["server locked"]["fix"] == "mcpod secret set DOCTOR_K"
    assert by_check["daemon"]["level"] == "ok" and by_check["versions"]["level"] == "ok"
    human = run(mcpod_home, "doctor").stdout
    assert "FAIL server gone" in human and "fix: mcpod secret set DOCTOR_K" in human
    assert "\x1b[" not in human, "no colour when stdout is not a terminal"
