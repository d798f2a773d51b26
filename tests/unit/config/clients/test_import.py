from __future__ import annotations

import json
import os
import stat

import pytest

from mcpod.config import SecretStore, load_config
from mcpod.config.clients import CLIENTS, Context, ImportPlan, apply_import, plan_import
from tests.unit.config.clients.conftest import Mcpod
from tests.unit.config.clients.samples import MALFORMED, SAMPLES, SECRETS, write_sample


def plan(ctx: Context, mcpod: Mcpod, *clients: str, rename: bool = False) -> ImportPlan:
    locations = [loc for name in clients for loc in CLIENTS[name].locations(ctx)]
    return plan_import(locations, ctx, mcpod.config_file, mcpod.secrets_file, rename=rename)


def actions(result: ImportPlan) -> dict[str, str]:
    return {item.name: item.action for item in result.items}


def shown(result: ImportPlan) -> str:
    """Everything `mcpod import` may print about a plan."""
    return json.dumps([i.as_json() for i in result.items] + [s.as_json() for s in result.sources])


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_import_round_trip(name: str, ctx: Context, mcpod: Mcpod) -> None:
    write_sample(name, ctx)
    sample = SAMPLES[name]
    first = plan(ctx, mcpod, name)
    assert actions(first) == sample.expected | sample.project_expected
    assert not mcpod.config_file.exists()  # planning writes nothing
    for item in first.items:
        if item.action != "add":
            assert item.reason  # every outcome says why
    assert not any(secret in shown(first) or secret in repr(first) for secret in SECRETS)

    added = apply_import(first, mcpod.secrets_file)
    assert sorted(added) == sorted(i.target for i in first.additions)
    config = load_config(mcpod.config_file)
    assert set(added) <= set(config.servers) and "time" in config.servers
    text = mcpod.config_file.read_text()
    assert not any(secret in text for secret in SECRETS)
    assert stat.S_IMODE(os.stat(mcpod.config_file).st_mode) == 0o600

    again = plan(ctx, mcpod, name)
    assert {i.name for i in again.items if i.action == "duplicate"} >= {
        i.name for i in first.additions
    }
    assert again.additions == []


def test_credentials_move_to_the_secret_store(ctx: Context, mcpod: Mcpod) -> None:
    write_sample("claude-desktop", ctx)
    write_sample("cursor", ctx)
    result = plan(ctx, mcpod, "claude-desktop", "cursor")
    github = next(i for i in result.items if i.name == "github")
    remote = next(i for i in result.items if i.name == "remote")
    assert github.as_json()["secrets"] == ["GITHUB_GITHUB_PERSONAL_ACCESS_TOKEN"]
    assert remote.as_json()["secrets"] == ["REMOTE_AUTHORIZATION"]
    apply_import(result, mcpod.secrets_file)
    store = SecretStore(mcpod.secrets_file)
    assert store.get("GITHUB_GITHUB_PERSONAL_ACCESS_TOKEN") == SECRETS[0]
    assert store.get("REMOTE_AUTHORIZATION") == f"Bearer {SECRETS[1]}"
    servers = json.loads(mcpod.config_file.read_text())["mcpServers"]
    assert servers["github"]["env"] == {
        "GITHUB_PERSONAL_ACCESS_TOKEN": "${secret:GITHUB_GITHUB_PERSONAL_ACCESS_TOKEN}",
        "LOG_LEVEL": "info",  # not a credential: stays as it is
    }
    assert servers["remote"]["headers"] == {
        "Authorization": "${secret:REMOTE_AUTHORIZATION}",
        "X-Team": "core",
    }


def test_a_secret_name_taken_by_another_value_gets_a_suffix(ctx: Context, mcpod: Mcpod) -> None:
    SecretStore(mcpod.secrets_file).set("GITHUB_GITHUB_PERSONAL_ACCESS_TOKEN", "someone-else")
    write_sample("claude-desktop", ctx)
    result = plan(ctx, mcpod, "claude-desktop")
    apply_import(result, mcpod.secrets_file)
    store = SecretStore(mcpod.secrets_file)
    assert store.get("GITHUB_GITHUB_PERSONAL_ACCESS_TOKEN") == "someone-else"
    assert store.get("GITHUB_GITHUB_PERSONAL_ACCESS_TOKEN_2") == SECRETS[0]


def test_a_stored_secret_counts_as_its_value_when_comparing(ctx: Context, mcpod: Mcpod) -> None:
    write_sample("claude-desktop", ctx)
    apply_import(plan(ctx, mcpod, "claude-desktop"), mcpod.secrets_file)
    # Another client with the same server, its token written out: the same definition.
    cursor = CLIENTS["cursor"].user_file(ctx)
    cursor.parent.mkdir(parents=True)
    original = json.loads(SAMPLES["claude-desktop"].text)["mcpServers"]["github"]
    cursor.write_text(json.dumps({"mcpServers": {"gh": original}}))
    item = plan(ctx, mcpod, "cursor").items[0]
    assert (item.action, item.target) == ("duplicate", "github")


def test_rename_adds_a_conflicting_server_under_the_clients_name(
    ctx: Context, mcpod: Mcpod
) -> None:
    write_sample("claude-desktop", ctx)
    result = plan(ctx, mcpod, "claude-desktop", rename=True)
    item = next(i for i in result.items if i.name == "time")
    assert (item.action, item.target) == ("add", "time-claude-desktop")
    apply_import(result, mcpod.secrets_file)
    config = load_config(mcpod.config_file)
    assert config.servers["time-claude-desktop"].command == "uvx"
    assert config.servers["time"].args == ("-m", "mcp_server_time")  # untouched


def test_the_same_server_in_two_clients_is_added_once(ctx: Context, mcpod: Mcpod) -> None:
    for name in ("claude-desktop", "windsurf"):
        path = CLIENTS[name].user_file(ctx)
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps({"mcpServers": {"fetch": {"command": "uvx", "args": ["f"]}}}))
    result = plan(ctx, mcpod, "claude-desktop", "windsurf")
    assert [(i.action, i.target) for i in result.items] == [
        ("add", "fetch"),
        ("duplicate", "fetch"),
    ]


def test_sources_report_missing_and_read_files(ctx: Context, mcpod: Mcpod) -> None:
    write_sample("windsurf", ctx)
    result = plan(ctx, mcpod, "windsurf", "codex")
    assert [(s.location.client, s.status, s.servers) for s in result.sources] == [
        ("windsurf", "read", 3),
        ("codex", "missing", 0),
    ]


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_a_malformed_file_is_an_error_and_the_rest_imports(
    name: str, ctx: Context, mcpod: Mcpod
) -> None:
    spec = CLIENTS[name]
    text, line = MALFORMED["jsonc" if spec.format == "jsonc" else spec.format]
    path = spec.user_file(ctx)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    other = "codex" if name != "codex" else "windsurf"
    write_sample(other, ctx)
    result = plan(ctx, mcpod, name, other)
    assert len(result.errors) == 1
    error = result.errors[0]
    assert error.startswith(f"{path}: line {line}, column ") and "did not change" in error
    assert result.additions  # the other client's servers are still imported
    apply_import(result, mcpod.secrets_file)
    assert path.read_text() == text


def test_a_servers_key_that_is_not_an_object_is_an_error(ctx: Context, mcpod: Mcpod) -> None:
    path = CLIENTS["cursor"].user_file(ctx)
    path.parent.mkdir(parents=True)
    path.write_text('{"mcpServers": ["a"]}')
    assert "mcpServers is not an object of servers" in plan(ctx, mcpod, "cursor").errors[0]


def test_an_unreadable_mcpod_config_stops_the_import(ctx: Context, mcpod: Mcpod) -> None:
    write_sample("windsurf", ctx)
    mcpod.config_file.parent.mkdir(parents=True)
    mcpod.config_file.write_text("{not json")
    with pytest.raises(Exception, match="cannot read mcpod's config"):
        plan(ctx, mcpod, "windsurf")
