from __future__ import annotations

from pathlib import Path

from mcpod.daemon.upstream.serverlog import ServerLog


def test_a_chatty_server_rotates_its_log_and_keeps_two_old_ones(tmp_path: Path) -> None:
    path = tmp_path / "logs" / "servers" / "chatty.log"
    log = ServerLog(path, max_bytes=1000, backups=2)
    for n in range(50):
        log.write(b"line %03d " % n + b"x" * 90 + b"\n")  # 100 bytes each
    log.close()
    files = sorted(p.name for p in path.parent.iterdir())
    assert files == ["chatty.log", "chatty.log.1", "chatty.log.2"]
    assert all(p.stat().st_size <= 1000 for p in path.parent.iterdir())
    assert b"line 049" in path.read_bytes()  # the newest lines are in the live file
    assert b"line 000" not in b"".join(p.read_bytes() for p in path.parent.iterdir())
