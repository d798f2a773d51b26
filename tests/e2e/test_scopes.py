"""Sharing scopes with real processes: session and project instances, where they run,
what environment they get, and that they stop with their sessions."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import psutil
import pytest

from tests.conftest import DaemonHome, probe_server, short_tempdir, wait_for
from tests.rawclient import ShimProcess

pytestmark = pytest.mark.e2e


def scoped_probe(scope: str, **extra: Any) -> dict[str, Any]:
    return {**probe_server(), "scope": scope, **extra}


class Place:
    """A working directory and a PATH entry of its own, as two clients would have."""

    def __init__(self, name: str) -> None:
        self.dir = short_tempdir() / name
        self.dir.mkdir()
        self.bin = self.dir / "bin"
        self.bin.mkdir()

    def shim(self, home: DaemonHome) -> ShimProcess:
        env = {**home.env, "PATH": f"{self.bin}{os.pathsep}{os.environ['PATH']}"}
        shim = ShimProcess(env, cwd=str(self.dir))
        shim.initialize()
        return shim


def where(shim: ShimProcess, request_id: int) -> dict[str, Any]:
    shim.raw_request(request_id, "tools/call", {"name": "probe__where", "arguments": {}})
    answer = shim.response(request_id)
    assert "result" in answer, answer
    found: dict[str, Any] = json.loads(answer["result"]["content"][0]["text"])
    return found


def instances(home: DaemonHome) -> dict[str, dict[str, Any]]:
    """The private instances in `mcpod status --json`, by instance key."""
    return {s["instance"]: s for s in home.status()["servers"] if s.get("instance")}


def session_ids(home: DaemonHome) -> dict[str, str]:
    """Open sessions by cwd."""
    return {s["cwd"]: s["id"] for s in home.status()["session_details"]}


def probe_state(home: DaemonHome) -> tuple[str, bool]:
    probe = next(s for s in home.status()["servers"] if s["name"] == "probe")
    return probe["state"], probe["starts"] > 0


def gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_each_session_gets_its_own_instance_in_its_cwd_with_its_path(
    mcpod_home: DaemonHome,
) -> None:
    mcpod_home.write_config({"probe": scoped_probe("session")})
    mcpod_home.start()
    left, right = Place("left"), Place("right")
    a, b = left.shim(mcpod_home), right.shim(mcpod_home)
    try:
        at_a, at_b = where(a, 1), where(b, 1)
        assert at_a["pid"] != at_b["pid"]
        assert Path(at_a["cwd"]) == left.dir and Path(at_b["cwd"]) == right.dir
        assert at_a["path"].split(os.pathsep)[0] == str(left.bin)
        assert at_b["path"].split(os.pathsep)[0] == str(right.bin)
        assert where(a, 2)["pid"] == at_a["pid"], "a session keeps its instance"

        ids = session_ids(mcpod_home)
        shown = instances(mcpod_home)
        mine = shown[f"session {ids[str(left.dir)]}"]
        assert (mine["scope"], mine["pid"], mine["sessions"]) == (
            "session", at_a["pid"], [ids[str(left.dir)]],
        )  # fmt: skip
        assert shown[f"session {ids[str(right.dir)]}"]["pid"] == at_b["pid"]
        table = mcpod_home.mcpod("status").stdout
        row = next(line for line in table.splitlines() if f"session {ids[str(left.dir)]}" in line)
        assert str(at_a["pid"]) in row and "ready" in row

        a.close()
        wait_for(lambda: gone(at_a["pid"]), 15, "the first session's instance to stop")
        assert not gone(at_b["pid"]), "the other session's instance runs on"
        assert f"session {ids[str(left.dir)]}" not in instances(mcpod_home)
        b.close()
        wait_for(lambda: gone(at_b["pid"]), 15, "the second session's instance to stop")
        assert instances(mcpod_home) == {}
    finally:
        a.close()
        b.close()


def test_a_project_instance_is_shared_in_one_directory_only(mcpod_home: DaemonHome) -> None:
    mcpod_home.write_config({"probe": scoped_probe("project", idleTimeout=2)})
    mcpod_home.start()
    here, elsewhere = Place("here"), Place("elsewhere")
    a, b, c = here.shim(mcpod_home), here.shim(mcpod_home), elsewhere.shim(mcpod_home)
    try:
        at_a, at_b, at_c = where(a, 1), where(b, 1), where(c, 1)
        assert at_a["pid"] == at_b["pid"], "two sessions in one project share an instance"
        assert at_c["pid"] != at_a["pid"], "another project has its own"
        assert Path(at_a["cwd"]) == here.dir and Path(at_c["cwd"]) == elsewhere.dir
        shown = instances(mcpod_home)
        assert len(shown[f"project {here.dir}"]["sessions"]) == 2
        assert shown[f"project {here.dir}"]["scope"] == "project"

        a.close()  # one of two sessions ends: the instance goes on serving the other
        wait_for(lambda: len(instances(mcpod_home)[f"project {here.dir}"]["sessions"]) == 1,
                 15, "the ended session to be forgotten")  # fmt: skip
        assert where(b, 2)["pid"] == at_a["pid"]
        b.close()  # the last one: stopped after the idle timeout
        wait_for(lambda: gone(at_a["pid"]), 20, "the project's instance to stop when idle")
        assert not gone(at_c["pid"])
        assert f"project {here.dir}" not in instances(mcpod_home)
    finally:
        for shim in (a, b, c):
            shim.close()


def test_a_global_server_starts_with_the_environment_of_the_session_that_starts_it(
    mcpod_home: DaemonHome,
) -> None:
    mcpod_home.write_config({"probe": {**probe_server(), "idleTimeout": 1}})
    mcpod_home.start()
    # Started first in the background to learn its tools, with the daemon's environment;
    # once idle it stops, and the next start is one a session causes.
    wait_for(
        lambda: probe_state(mcpod_home) == ("stopped", True), 30, "the indexed probe to idle out"
    )
    place = Place("starter")
    shim = place.shim(mcpod_home)
    try:
        found = where(shim, 1)
        assert found["path"].split(os.pathsep)[0] == str(place.bin)
        assert Path(found["cwd"]) != place.dir, "a shared server is not in one session's cwd"
        assert instances(mcpod_home) == {}, "a global server has no private instances"
    finally:
        shim.close()
