from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from mcpod.protocol import PathError, ensure_private_dir, resolve_paths


def test_mcpod_home_puts_everything_under_one_dir(tmp_path: Path) -> None:
    paths = resolve_paths({"MCPOD_HOME": str(tmp_path)})
    for p in (paths.config_file, paths.state_dir, paths.log_dir, paths.socket, paths.lock_file):
        assert tmp_path in p.parents
    assert paths.config_file == tmp_path / "config.json"


def test_xdg_locations_without_mcpod_home(tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    env = {"XDG_CONFIG_HOME": str(tmp_path / "c"), "XDG_STATE_HOME": str(tmp_path / "s"),
           "XDG_RUNTIME_DIR": str(run)}  # fmt: skip
    paths = resolve_paths(env)
    assert paths.config_file == tmp_path / "c" / "mcpod" / "config.json"
    assert paths.state_dir == tmp_path / "s" / "mcpod"
    assert paths.socket == run / "mcpod" / "mcpod.sock"


def test_runtime_dir_falls_back_to_a_per_user_temp_dir(tmp_path: Path) -> None:
    paths = resolve_paths({"XDG_RUNTIME_DIR": str(tmp_path / "missing")})
    assert paths.runtime_dir.name == f"mcpod-{os.getuid()}"


def test_mcpod_socket_overrides_only_the_socket(tmp_path: Path) -> None:
    paths = resolve_paths({"MCPOD_HOME": str(tmp_path), "MCPOD_SOCKET": "/tmp/x.sock"})
    assert str(paths.socket) == "/tmp/x.sock" and paths.config_file == tmp_path / "config.json"


def test_too_long_socket_path_is_a_clear_error() -> None:
    paths = resolve_paths({"MCPOD_SOCKET": "/tmp/" + "a" * 200 + ".sock"})
    with pytest.raises(PathError, match=r"over the OS limit.*MCPOD_SOCKET"):
        paths.check_socket_path()


def test_a_new_private_dir_is_0700_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        ensure_private_dir(tmp_path / "a" / "b")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "a" / "b").st_mode) == 0o700


def test_an_existing_dir_others_can_write_is_refused_not_chmodded(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o777)
    with pytest.raises(PathError, match="writable by others"):
        ensure_private_dir(shared)
    assert stat.S_IMODE(os.stat(shared).st_mode) == 0o777  # left as it was
    os.chmod(shared, 0o1777)  # sticky, like /tmp: others cannot replace what is ours
    ensure_private_dir(shared)
    assert stat.S_IMODE(os.stat(shared).st_mode) == 0o1777


def test_two_sockets_in_one_directory_have_their_own_locks(tmp_path: Path) -> None:
    one = resolve_paths({"MCPOD_HOME": str(tmp_path), "MCPOD_SOCKET": str(tmp_path / "a.sock")})
    two = resolve_paths({"MCPOD_HOME": str(tmp_path), "MCPOD_SOCKET": str(tmp_path / "b.sock")})
    assert one.runtime_dir == two.runtime_dir and one.lock_file != two.lock_file
