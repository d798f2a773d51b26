"""Semantic ranking with the real model (the `semantic` extra is a dev dependency, so CI
runs this path), its cache across restarts, and search without it."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from mcpod.config import ServerConfig
from mcpod.daemon.catalog import Catalog
from mcpod.daemon.catalog.semantic import (
    SemanticIndex,
    fuse,
    load_english_model,
    load_model,
)
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
    """Both models' indexes, made as the daemon's embedder makes them."""
    embedder = Embedder(found, store.embeddings)
    multilingual, english = load_model(), load_english_model()
    assert multilingual is not None and english is not None, "the extra is a dev dependency"
    found.semantic, found.english = SemanticIndex(multilingual), SemanticIndex(english)
    anyio.run(embedder.update, found.semantic)
    anyio.run(lambda: embedder.update(found.english, with_words=False))  # type: ignore[arg-type]
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
    # Each model's vector of each tool, and the multilingual model's of each catalog word.
    vectors = 2 * len(TOOLS_COUNTED) + len(catalog().semantic_words())
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
    assert load_model() is None and load_english_model() is None
    found = catalog()
    assert found.semantic is None
    assert found.search("send email", 1)[0].tool == "send_email"
    assert found.fits("bake a chocolate cake") is None


def test_the_english_model_ranks_english_requests_only(tmp_path: Path) -> None:
    found = catalog()
    store = Store(tmp_path / "state.db")
    ready(found, store)
    multilingual = found.semantic
    found.semantic = None  # the English model alone: what it changes is visible
    # English: ASCII, and most of its words are the tools' own.
    english = found.search("record the changes in my repository", 3)
    assert english[0].tool == "git_commit"
    assert english != found.lexical("record the changes in my repository", 3), "it joined"
    for other in ("¿qué tiempo hará mañana en Madrid?", "Zeig mir den Wetterbericht fur Berlin"):
        assert found.search(other, 3) == found.lexical(other, 3), f"not English: {other}"
    found.semantic = multilingual
    assert found.search("Zeig mir den Wetterbericht fur Berlin", 1)[0].tool == "get_forecast"
    store.close()


def test_fusion_rewards_agreement_and_keeps_a_clear_winner() -> None:
    a, b, c, d = ("s", "a"), ("s", "b"), ("s", "c"), ("s", "d")

    def fused(lexical: list[tuple[tuple[str, str], float]], *semantic: object) -> list[object]:
        rankings = [(0.4 / len(semantic), ranking) for ranking in semantic]
        return [key for key, _ in fuse(lexical, rankings, 4)]  # type: ignore[arg-type]

    sem = [(b, 0.5), (c, 0.4), (a, 0.1)]
    assert fused([(a, 9.0), (b, 8.0), (c, 1.0)], sem)[0] == b, "close second and first wins"
    # A tool far ahead lexically stays ahead of one both rankings find middling.
    middling = [(b, 0.30), (a, 0.29), (c, 0.28), (d, 0.1)]
    assert fused([(a, 10.0), (b, 2.0), (c, 1.0)], middling)[0] == a
    # Two models that agree outvote the lexical first place.
    assert fused([(a, 10.0), (b, 9.0), (c, 1.0)], sem, sem)[0] == b
    assert len(fuse([(a, 1.0)], [(0.4, [(b, 0.5)])], 1)) == 1
    equal = fuse([], [(0.4, [(b, 0.5), (c, 0.5)])], 2)
    assert equal[0][0] in (b, c), "equal cosines: no division by zero"
    assert fuse([(a, 1.0)], [], 1) == [(a, 1.0)], "no model: lexical alone, whole weight"
