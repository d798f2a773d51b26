"""Semantic ranking with the real model (the `semantic` extra is a dev dependency, so CI
runs this path), its cache across restarts, and search without it."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from mcpod.config import ServerConfig
from mcpod.daemon.catalog import Catalog
from mcpod.daemon.catalog.semantic import SemanticIndex, fuse, load_model
from mcpod.daemon.embedding import Embedder
from mcpod.daemon.store import Store

TOOLS = {
    "mail": [{"name": "send_email", "description": "Send an email message to a recipient."},
             {"name": "list_inbox", "description": "List the messages in the inbox."}],
    "weather": [{"name": "get_forecast", "description": "The weather forecast for a city."}],
    "git": [{"name": "git_commit", "description": "Record changes to the repository."}],
}  # fmt: skip


TOOLS_COUNTED = [tool for tools in TOOLS.values() for tool in tools]


def catalog() -> Catalog:
    found = Catalog()
    configs = [ServerConfig(name=n, transport="stdio", command="x") for n in TOOLS]
    found.configure(configs, {})
    for name, tools in TOOLS.items():
        found.update(name, {"tools": tools}, {}, 0.0)
    return found


def ready(found: Catalog, store: Store) -> Embedder:
    embedder = Embedder(found, store.embeddings)
    model = load_model()
    assert model is not None, "the semantic extra is installed in the dev environment"
    index = SemanticIndex(model)
    anyio.run(embedder._update, index)
    found.semantic = index
    return embedder


def test_fused_search_finds_paraphrases_and_other_languages(tmp_path: Path) -> None:
    found = catalog()
    store = Store(tmp_path / "state.db")
    ready(found, store)
    assert found.search("¿qué tiempo hará mañana en Madrid?", 1)[0].tool == "get_forecast"
    assert found.search("письмо коллеге", 1)[0].tool == "send_email"  # a letter to a colleague
    assert found.search("save my code changes", 1)[0].tool == "git_commit"
    assert found.fits("bake a chocolate cake") is False
    assert found.fits("send an email to my boss") is True
    store.close()


def test_unknown_query_words_reach_related_catalog_words_in_any_language(
    tmp_path: Path,
) -> None:
    found = catalog()
    store = Store(tmp_path / "state.db")
    ready(found, store)
    assert found.semantic is not None
    related = found.semantic.related_words(["correo", "wetterbericht", "zzxq"])
    assert "email" in related["correo"]
    assert "forecast" in related["wetterbericht"]
    assert "zzxq" not in related  # nothing close: nothing added
    store.close()


def test_a_restart_recomputes_no_vector(tmp_path: Path) -> None:
    store = Store(tmp_path / "state.db")
    first = ready(catalog(), store)
    vectors = len(TOOLS_COUNTED) + len(catalog().semantic_words())  # tools, then words
    assert first.computed == vectors and store.embeddings.count() == vectors
    store.close()
    again = Store(tmp_path / "state.db")
    second = ready(catalog(), again)
    assert second.computed == 0, "every vector came from the store"
    again.close()


def test_without_the_extra_search_is_lexical_and_fits_cannot_tell(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MCPOD_SEMANTIC", "off")
    assert load_model() is None
    found = catalog()
    assert found.semantic is None
    assert found.search("send email", 1)[0].tool == "send_email"
    assert found.fits("bake a chocolate cake") is None


def test_fusion_rewards_agreement_and_keeps_a_clear_winner() -> None:
    a, b, c, d = ("s", "a"), ("s", "b"), ("s", "c"), ("s", "d")
    fused = [
        key for key, _ in fuse([(a, 9.0), (b, 8.0), (c, 1.0)], [(b, 0.5), (c, 0.4), (a, 0.1)], 3)
    ]
    assert fused[0] == b, "close second and first beats first and last"
    # A tool far ahead lexically stays ahead of one both rankings find middling.
    fused = [
        key
        for key, _ in fuse(
            [(a, 10.0), (b, 2.0), (c, 1.0)], [(b, 0.30), (a, 0.29), (c, 0.28), (d, 0.1)], 4
        )
    ]
    assert fused[0] == a
    assert len(fuse([(a, 1.0)], [(b, 0.5)], 1)) == 1
    assert fuse([], [(b, 0.5), (c, 0.5)], 2)[0][0] in (b, c), "equal cosines: no division by zero"
