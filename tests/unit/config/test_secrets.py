"""The secret store and references: 0600, resolved only at start, masked everywhere."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from mcpod.config import MissingSecrets, SecretStore, ServerConfig, looks_secret, resolve
from mcpod.protocol import ConfigError
from mcpod.protocol.redact import redact


def server(**fields: object) -> ServerConfig:
    return ServerConfig(name="gh", transport="stdio", command="docker", **fields)  # type: ignore[arg-type]


def test_the_store_is_private_and_round_trips(tmp_path: Path) -> None:
    store = SecretStore(tmp_path / "secrets.json")
    store.set("GH_TOKEN", "ghp_one")
    store.set("OTHER", "two")
    assert stat.S_IMODE((tmp_path / "secrets.json").stat().st_mode) == 0o600
    assert store.names() == ["GH_TOKEN", "OTHER"]
    assert store.get("GH_TOKEN") == "ghp_one"
    assert store.remove("OTHER") and not store.remove("OTHER")
    assert "ghp_one" not in repr(store)
    with pytest.raises(ConfigError, match="not a valid secret name"):
        store.set("no spaces", "x")


def test_a_broken_store_file_is_an_error_that_names_it(tmp_path: Path) -> None:
    path = tmp_path / "secrets.json"
    path.write_text("{nope")
    with pytest.raises(ConfigError, match=r"secrets\.json"):
        SecretStore(path).names()


def test_references_are_filled_in_at_start_and_the_values_masked_from_then_on(
    tmp_path: Path,
) -> None:
    store = SecretStore(tmp_path / "secrets.json")
    store.set("GH_TOKEN", "ghp_resolved_value")
    config = server(
        args=("run", "-e", "GITHUB_TOKEN", "${env:IMAGE}"),
        env={"GITHUB_TOKEN": "${secret:GH_TOKEN}", "PLAIN": "x"},
    )
    resolved = resolve(config, store, {"IMAGE": "mcp/github"})
    assert resolved.env == {"GITHUB_TOKEN": "ghp_resolved_value", "PLAIN": "x"}
    assert resolved.args[-1] == "mcp/github"
    assert "ghp_resolved_value" not in repr(resolved)
    assert redact("upstream said: bad token ghp_resolved_value") == "upstream said: bad token ***"
    assert config.env["GITHUB_TOKEN"] == "${secret:GH_TOKEN}", "the snapshot keeps the reference"
    assert resolve(server(), store, {}) == server(), "nothing to fill in: the same config"


def test_a_missing_secret_says_which_command_sets_it(tmp_path: Path) -> None:
    store = SecretStore(tmp_path / "secrets.json")
    config = server(env={"A": "${secret:GH_TOKEN}", "B": "${env:NOT_SET_ANYWHERE}"})
    with pytest.raises(MissingSecrets) as missing:
        resolve(config, store, {})
    assert missing.value.secrets == ["GH_TOKEN"]
    assert "mcpod secret set GH_TOKEN" in missing.value.message
    assert "NOT_SET_ANYWHERE" in missing.value.message


@pytest.mark.parametrize(
    ("key", "secret"),
    [("GITHUB_TOKEN", True), ("Authorization", True), ("OPENAI_API_KEY", True),
     ("DB_PASSWORD", True), ("AWS_SECRET_ACCESS_KEY", True), ("LOG_LEVEL", False),
     ("GRAFANA_URL", False), ("PATH", False)],
)  # fmt: skip
def test_what_looks_like_a_credential(key: str, secret: bool) -> None:
    assert looks_secret(key) is secret


def test_with_a_keyring_values_go_there_and_the_file_keeps_only_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import keyring

    from tests.servers.file_keyring import FileKeyring

    store = SecretStore(tmp_path / "secrets.json")
    store.set("OLD", "from-before")  # no keyring yet: in the file
    monkeypatch.setenv("TEST_KEYRING_FILE", str(tmp_path / "ring.json"))
    before = keyring.get_keyring()
    keyring.set_keyring(FileKeyring())
    try:
        store.set("GH_TOKEN", "ghp_in_the_ring")
        assert "ghp_in_the_ring" not in (tmp_path / "secrets.json").read_text()
        assert "ghp_in_the_ring" in (tmp_path / "ring.json").read_text()
        assert store.names() == ["GH_TOKEN", "OLD"]
        assert store.get("GH_TOKEN") == "ghp_in_the_ring"
        assert store.get("OLD") == "from-before", "file values stay readable"
        assert "OS keyring (FileKeyring)" in store.backend
        assert store.remove("GH_TOKEN") and store.get("GH_TOKEN") is None
        assert "ghp_in_the_ring" not in (tmp_path / "ring.json").read_text()
        store.set("LOST", "x")
    finally:
        keyring.set_keyring(before)
    with pytest.raises(ConfigError, match="OS keyring, which cannot be reached"):
        store.get("LOST")  # the index says keyring; there is none now
