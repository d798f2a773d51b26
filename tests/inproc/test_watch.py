"""The config watcher on a real directory: an editor's save by rename, an edit it missed."""

from __future__ import annotations

import os
import shutil

import anyio
import pytest

from mcpod.daemon.sources.watch import fingerprint, watch_config
from tests.conftest import short_tempdir

pytestmark = pytest.mark.anyio


async def test_a_save_by_rename_and_a_missed_edit_are_both_seen() -> None:
    home = short_tempdir()
    path = home / "config.json"
    path.write_text("{}")
    seen = [fingerprint(path)]
    reasons: list[str] = []

    async def on_change(reason: str) -> None:
        reasons.append(reason)
        seen[0] = fingerprint(path)

    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(watch_config, path, on_change, lambda: seen[0])
            await anyio.sleep(0.3)
            (home / "other.txt").write_text("ignored")  # not the config: no reload
            tmp = home / ".config.json.swp"
            tmp.write_text('{"mcpServers": {}}')
            os.replace(tmp, path)  # how editors save
            with anyio.fail_after(5):
                while not reasons:
                    await anyio.sleep(0.05)
            assert reasons == ["the config file changed"]
            seen[0] = None  # as if an edit landed before the watch: the rescan finds it
            with anyio.fail_after(5):
                while len(reasons) < 2:
                    await anyio.sleep(0.05)
            assert "rescan" in reasons[1]
            tg.cancel_scope.cancel()
    finally:
        shutil.rmtree(home, ignore_errors=True)
