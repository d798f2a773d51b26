"""A client that never reads: bounded daemon memory, no delay for anyone else."""

from __future__ import annotations

import json
import socket
import threading
import time

import psutil
import pytest

from mcpod.daemon.server.outbox import MAX_QUEUED_BYTES
from tests.conftest import DaemonHome
from tests.rawclient import ShimProcess

pytestmark = pytest.mark.e2e

FLOOD = 40_000  # tools/list answers of ~10 KB each: ~400 MB if the daemon kept them all
# Documented: RSS grows by a small multiple of the queued bytes (allocator overhead: the
# answers are freed in a different order than allocated, and RSS is a peak). Measured on
# 2 cores: 3.9x to 4.7x of MAX_QUEUED_BYTES across runs (more when the machine is busy);
# the bound keeps a margin over that and stays far under the flood's ~12x.
BOUND = 6 * MAX_QUEUED_BYTES


def test_a_client_that_never_reads_is_cut_off_within_the_memory_bound(daemon: DaemonHome) -> None:
    other = ShimProcess(daemon.env, "--mode", "lazy")
    other.initialize()
    other.raw_request(1, "tools/list")
    other.response(1)
    daemon_proc = psutil.Process(daemon.status()["pid"])
    baseline = daemon_proc.memory_info().rss
    peak = [baseline]
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], daemon_proc.memory_info().rss)
            time.sleep(0.01)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    flooder = socket.socket(socket.AF_UNIX)
    flooder.connect(str(daemon.socket))
    try:
        hello = {"type": "hello", "protocol": 1, "version": "x", "role": "session",
                 "client_args": {"mode": "all"}}  # fmt: skip
        flooder.sendall(json.dumps(hello).encode() + b"\n")
        flooder.recv(4096)  # the welcome; from now on, nothing is read
        sender = threading.Thread(target=_flood, args=(flooder,), daemon=True)
        sender.start()
        # Meanwhile another session is served at once, notifications included.
        started = time.monotonic()
        other.raw_request(2, "tools/call", {"name": "mcpod_activate",
                                            "arguments": {"servers": ["probe"]}})  # fmt: skip
        first = other.next(timeout=10)
        assert first["method"] == "notifications/tools/list_changed"
        assert time.monotonic() - started < 1.5
        assert "Activated" in other.response(2)["result"]["content"][0]["text"]
        sender.join(timeout=60)
        deadline = time.monotonic() + 30
        while "not reading its messages" not in daemon.daemon_log():
            assert time.monotonic() < deadline, "the flooder was never cut off"
            time.sleep(0.1)
    finally:
        stop.set()
        watcher.join()
        flooder.close()
    print(f"daemon RSS {baseline >> 20} MB -> peak {peak[0] >> 20} MB")
    assert peak[0] - baseline < BOUND, (baseline >> 20, peak[0] >> 20)
    other.raw_request(3, "ping")
    assert other.response(3)["result"] == {}
    other.close()


def _flood(sock: socket.socket) -> None:
    """Requests in small batches (a burst past the in-flight cap would mostly be refused
    at once, which bounds it too, but this test is about unread answers)."""
    try:
        for start in range(0, FLOOD, 50):
            batch = range(start, start + 50)
            sock.sendall(b"".join(b'{"jsonrpc":"2.0","id":%d,"method":"tools/list"}\n' % n
                                  for n in batch))  # fmt: skip
            time.sleep(0.002)
    except OSError:
        pass  # cut off by the daemon mid-flood: that is the point
