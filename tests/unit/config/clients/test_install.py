from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
import tomlkit

from mcpod.config.clients import (
    CLIENTS,
    Change,
    ClientFileError,
    Context,
    apply,
    jsonc,
    plan_import,
    plan_install,
    plan_uninstall,
)
from mcpod.config.clients.backups import backups
from mcpod.config.clients.importing import apply_import
from tests.unit.config.clients.conftest import Mcpod
from tests.unit.config.clients.samples import MALFORMED, SAMPLES, SECRETS, write_sample


def install(name: str, ctx: Context, mcpod: Mcpod, *, force: bool = False) -> Change:
    return plan_install(
        CLIENTS[name], ctx, mcpod.shim, mcpod.config_file, mcpod.secrets_file, force=force
    )


def import_all(name: str, ctx: Context, mcpod: Mcpod) -> None:
    locations = [CLIENTS[name].install_location(ctx)]
    apply_import(
        plan_import(locations, ctx, mcpod.config_file, mcpod.secrets_file), mcpod.secrets_file
    )


def outside_the_servers(name: str, text: str) -> tuple[str, str]:
    """The text before and after the servers value (JSON) / the servers tables (TOML)."""
    key = CLIENTS[name].servers_key
    if CLIENTS[name].format == "toml":
        lines = text.splitlines(keepends=True)
        first = next(i for i, line in enumerate(lines) if line.startswith(f"[{key}."))
        rest = [i for i, line in enumerate(lines) if line.startswith("[") and i > first]
        after = next(i for i in rest if not lines[i].startswith(f"[{key}."))
        return "".join(lines[:first]), "".join(lines[after:])
    member = jsonc.find(jsonc.parse(text), (key,))
    assert member is not None
    return text[: member.node.start], text[member.node.end :]


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_install_and_uninstall_round_trip(name: str, ctx: Context, mcpod: Mcpod) -> None:
    path, _ = write_sample(name, ctx)
    os.chmod(path, 0o640)
    original = path.read_bytes()
    spec = CLIENTS[name]

    refused = install(name, ctx, mcpod)  # nothing imported yet: servers would be lost
    assert refused.action == "refused" and f"mcpod import --from {name}" in refused.reason
    assert {i.name for i in refused.pending} >= {
        n for n, a in SAMPLES[name].expected.items() if a == "add"
    }
    import_all(name, ctx, mcpod)
    blocked = {n for n, a in SAMPLES[name].expected.items() if a in ("conflict", "unusable")}
    change = install(name, ctx, mcpod, force=bool(blocked))
    assert change.action == "install", change.reason
    assert {i.name for i in change.pending} == blocked

    # --dry-run is the plan not applied: the diff shows it, nothing is written
    assert f'"{mcpod.shim}"' in change.diff and change.diff.startswith(f"--- {path}\n")
    assert not any(secret in change.diff for secret in SECRETS)
    assert path.read_bytes() == original and backups(path) == []

    backup = apply(change)
    assert backup is not None and backups(path) == [backup]
    assert backup.read_bytes() == original
    assert stat.S_IMODE(os.stat(backup).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640  # the file keeps its mode
    text = path.read_text()
    assert outside_the_servers(name, text) == outside_the_servers(name, original.decode())
    if spec.format == "toml":
        servers = tomlkit.parse(text).unwrap()[spec.servers_key]
    else:
        servers = jsonc.parse(text).value[spec.servers_key]
    assert list(servers) == ["mcpod"] and servers["mcpod"]["command"] == mcpod.shim
    assert install(name, ctx, mcpod).action == "unchanged"

    restore = plan_uninstall(spec, ctx)
    assert restore.action == "restore" and restore.backup == backup
    assert not any(secret in restore.diff for secret in SECRETS)
    apply(restore)
    assert path.read_bytes() == original
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640


def test_uninstall_keeps_what_the_client_wrote_since(ctx: Context, mcpod: Mcpod) -> None:
    path, _ = write_sample("claude-code", ctx)
    original = json.loads(path.read_text())
    apply(install("claude-code", ctx, mcpod, force=True))
    state = json.loads(path.read_text())
    state["numStartups"] = 43  # Claude Code keeps writing its state into the same file
    path.write_text(json.dumps(state, indent=2))
    apply(plan_uninstall(CLIENTS["claude-code"], ctx))
    restored = json.loads(path.read_text())
    assert restored["numStartups"] == 43
    assert restored["mcpServers"] == original["mcpServers"]
    assert restored["projects"] == original["projects"]


def test_install_adds_the_key_to_a_file_without_one(ctx: Context, mcpod: Mcpod) -> None:
    path = CLIENTS["claude-code"].user_file(ctx)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('{\n  "numStartups": 1,\n  "userID": "u"\n}\n')
    change = install("claude-code", ctx, mcpod)
    assert change.action == "install"
    apply(change)
    assert json.loads(path.read_text())["mcpServers"]["mcpod"]["type"] == "stdio"
    apply(plan_uninstall(CLIENTS["claude-code"], ctx))
    assert path.read_text() == '{\n  "numStartups": 1,\n  "userID": "u"\n}\n'


def test_install_creates_the_file_in_an_existing_client_directory(
    ctx: Context, mcpod: Mcpod
) -> None:
    path = CLIENTS["cursor"].user_file(ctx)
    assert install("cursor", ctx, mcpod).action == "refused"  # ~/.cursor: Cursor not there
    path.parent.mkdir(parents=True)
    change = install("cursor", ctx, mcpod)
    assert change.action == "install" and apply(change) is None  # no file: no backup
    assert json.loads(path.read_text()) == {
        "mcpServers": {"mcpod": {"command": mcpod.shim, "args": []}}
    }
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    refused = plan_uninstall(CLIENTS["cursor"], ctx)
    assert refused.action == "refused" and "no backup" in refused.reason


def test_a_changed_mcpod_entry_is_updated_without_a_new_backup(ctx: Context, mcpod: Mcpod) -> None:
    path, _ = write_sample("windsurf", ctx)
    original = path.read_bytes()
    first = apply(install("windsurf", ctx, mcpod, force=True))
    moved = Mcpod(mcpod.config_file, mcpod.secrets_file, "/new/venv/bin/mcpod-shim")
    change = install("windsurf", ctx, moved)
    assert change.action == "update"
    assert apply(change) is None and backups(path) == [first]
    apply(plan_uninstall(CLIENTS["windsurf"], ctx))
    assert path.read_bytes() == original


def test_uninstall_refuses_when_the_file_no_longer_runs_mcpod(ctx: Context, mcpod: Mcpod) -> None:
    path, _ = write_sample("windsurf", ctx)
    original = path.read_bytes()
    apply(install("windsurf", ctx, mcpod, force=True))
    path.write_text(json.dumps({"mcpServers": {"other": {"command": "x"}}}))
    refused = plan_uninstall(CLIENTS["windsurf"], ctx)
    assert refused.action == "refused" and "--force" in refused.reason
    apply(plan_uninstall(CLIENTS["windsurf"], ctx, force=True))
    assert json.loads(path.read_text()) == json.loads(original)


def test_uninstall_refuses_to_drop_servers_added_since(ctx: Context, mcpod: Mcpod) -> None:
    path, _ = write_sample("windsurf", ctx)
    apply(install("windsurf", ctx, mcpod, force=True))
    state = json.loads(path.read_text())
    state["mcpServers"]["new-one"] = {"command": "x"}
    path.write_text(json.dumps(state))
    refused = plan_uninstall(CLIENTS["windsurf"], ctx)
    assert refused.action == "refused" and "new-one" in refused.reason


def test_the_newest_backup_is_restored(ctx: Context, mcpod: Mcpod) -> None:
    path = CLIENTS["windsurf"].user_file(ctx)
    path.parent.mkdir(parents=True)
    for version in ("one", "two"):
        path.write_text(json.dumps({"mcpServers": {version: {"command": mcpod.shim}}}))
        path.write_text(json.dumps({"mcpServers": {version: {"command": "x"}}}))
        apply(install("windsurf", ctx, mcpod, force=True))
    assert len(backups(path)) == 2
    change = plan_uninstall(CLIENTS["windsurf"], ctx)
    assert change.backup == backups(path)[-1]
    apply(change)
    assert list(json.loads(path.read_text())["mcpServers"]) == ["two"]


def test_a_file_changed_between_plan_and_write_is_not_overwritten(
    ctx: Context, mcpod: Mcpod
) -> None:
    path, _ = write_sample("windsurf", ctx)
    change = install("windsurf", ctx, mcpod, force=True)
    path.write_text(path.read_text() + " ")
    with pytest.raises(ClientFileError, match="changed while mcpod was editing it"):
        apply(change)
    assert backups(path) == []


def test_a_symlinked_file_keeps_its_link(ctx: Context, mcpod: Mcpod, tmp_path: Path) -> None:
    real = tmp_path / "dotfiles" / "mcp_config.json"
    real.parent.mkdir()
    real.write_text(json.dumps({"mcpServers": {}}))
    link = CLIENTS["windsurf"].user_file(ctx)
    link.parent.mkdir(parents=True)
    link.symlink_to(real)
    apply(install("windsurf", ctx, mcpod))
    assert link.is_symlink() and "mcpod-shim" in real.read_text()


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_a_malformed_file_is_refused_and_left_alone(name: str, ctx: Context, mcpod: Mcpod) -> None:
    spec = CLIENTS[name]
    text, line = MALFORMED["jsonc" if spec.format == "jsonc" else spec.format]
    path = spec.user_file(ctx)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    for attempt in (
        lambda: install(name, ctx, mcpod, force=True),
        lambda: plan_uninstall(spec, ctx, force=True),
    ):
        with pytest.raises(ClientFileError) as caught:
            attempt()
        assert caught.value.message.startswith(f"{path}: line {line}, column ")
        assert "mcpod did not change the file" in caught.value.message
    assert path.read_text() == text and backups(path) == []
