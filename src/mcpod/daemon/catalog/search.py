"""Ranked lexical search over tools: BM25F with typo tolerance, built for every keystroke.

Each document is one tool, with weighted fields: the tool's name split into words, the
server's name, title and category, and the descriptions. Queries are tokenized the same
way (camelCase, snake_case, kebab-case and dotted names split; a light stemmer folds
plurals and verb forms), expanded with a few synonyms developers use interchangeably,
and each term that is not in the vocabulary is matched to vocabulary terms one edit
away (two for long words) through a deletion index, at a discount. The last query term
also matches as a prefix, so results are useful while the query is being typed.
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
from collections import Counter, defaultdict
from collections.abc import Collection, Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

K1 = 1.2
B = 0.75
FIELD_WEIGHTS = {
    "name": 3.0,
    "server": 2.0,
    "title": 1.5,
    "description": 1.0,
    "params": 0.2,
    "server_text": 0.4,
}
TYPO_DISCOUNT = 0.6
PREFIX_DISCOUNT = 0.8
SYNONYM_DISCOUNT = 0.7
STEM_DISCOUNT = 0.5
RELATED_DISCOUNT = 0.5  # a catalog word standing in for an unknown one (tuning set)

_WORD = re.compile(r"[A-Za-z][a-z]+|[A-Z]+(?![a-z])|[a-z]+|\d+")
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "can",
        "do",
        "does",
        "for",
        "from",
        "get",
        "give",
        "has",
        "have",
        "how",
        "i",
        "in",
        "into",
        "is",
        "it",
        "its",
        "me",
        "my",
        "of",
        "on",
        "or",
        "please",
        "some",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "this",
        "to",
        "use",
        "using",
        "want",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "will",
        "with",
        "would",
        "you",
        "your",
    ]
)
# Abbreviations and equivalent words (both directions are added). Each entry either is
# an abbreviation or spelling or measurably helps on the tuning set (bench/data/
# queries_tuning.json, leave-one-out); entries that helped only the set they were first
# written for were dropped. What else a query and a tool share has to come from the
# catalog's own words, or from the semantic ranking.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "repo": ("repository",),
    "pr": ("pull",),
    "db": ("database",),
    "msg": ("message",),
    "mail": ("email",),
    "doc": ("document",),
    "docs": ("documentation",),
    "k8s": ("kubernetes",),
    "folder": ("directory",),
    "issue": ("ticket", "bug"),
    "sql": ("query", "database"),
    "file": ("document",),
    "image": ("picture", "photo"),
    "time": ("timezone", "clock", "date"),
    "remember": ("memory", "store"),
    "ocr": ("scan", "text"),
}


SYNONYMS_OF: dict[str, tuple[str, ...]] = {}  # the reverse direction: "repository" -> ("repo",)
for _key, _values in SYNONYMS.items():
    for _value in _values:
        SYNONYMS_OF[_value] = (*SYNONYMS_OF.get(_value, ()), _key)


def stem(word: str) -> str:
    for suffix, keep in (
        ("ies", "y"),
        ("sses", "ss"),
        ("ing", ""),
        ("ed", ""),
        ("es", ""),
        ("s", ""),
    ):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            word = word[: len(word) - len(suffix)] + keep
            if (
                suffix in ("ing", "ed")
                and len(word) > 3
                and word[-1] == word[-2]
                and word[-1] not in "lsz"
            ):
                word = word[:-1]  # scanned -> scann -> scan, running -> runn -> run
            return word
    return word


def tokenize(text: str) -> list[str]:
    return [stem(w.lower()) for w in _WORD.findall(text) if w.lower() not in STOPWORDS]


def joined_pairs(text: str) -> list[str]:
    """Adjacent words written together ("on call" -> "oncall", "web hook" -> "webhook")."""
    words = [w.lower() for w in _WORD.findall(text)]
    singles = {stem(w) for w in words}
    pairs = (stem(a + b) for a, b in itertools.pairwise(words) if len(a) > 1 and len(b) > 1)
    return [pair for pair in pairs if pair not in singles]


_ANY_WORD = re.compile(r"\w+")  # any script: what the semantic model may relate


def plain_words(text: str) -> list[str]:
    """The words of `text` as written (split like `tokenize`, not stemmed), lowercase,
    alphabetic, 3 letters or more, stopwords aside."""
    words = (w.lower() for w in _WORD.findall(text))
    return [w for w in words if len(w) >= 3 and w.isalpha() and w not in STOPWORDS]


def unknown_words(query: str, vocabulary: Container[str]) -> list[str]:
    """The query's words (in any language) that no tool uses, stopwords and numbers aside:
    the ones worth asking the semantic model about."""
    words = []
    for word in _ANY_WORD.findall(query.lower()):
        if len(word) < 2 or word in STOPWORDS or word.isdigit() or "_" in word:
            continue
        if not (word.isascii() and stem(word) in vocabulary):
            words.append(word)
    return list(dict.fromkeys(words))


def known_share(query: str, unknown: Collection[str]) -> float:
    """The share of the query's words (stopwords and numbers aside) that tools use, given
    its `unknown_words`: low for a request in another language, even in Latin letters."""
    words = [
        word for word in _ANY_WORD.findall(query.lower())
        if len(word) >= 2 and word not in STOPWORDS and not word.isdigit()
    ]  # fmt: skip
    if not words:
        return 1.0
    return 1.0 - sum(word in unknown for word in words) / len(words)


@dataclass
class Document:
    key: tuple[str, str]  # (server, tool)
    fields: dict[str, list[str]]


@dataclass
class Hit:
    server: str
    tool: str
    score: float


@dataclass
class SearchIndex:
    docs: list[Document] = field(default_factory=list)
    postings: dict[str, list[tuple[int, float]]] = field(
        default_factory=dict
    )  # term -> (doc, weighted tf)
    idf: dict[str, float] = field(default_factory=dict)
    deletions: dict[str, set[str]] = field(default_factory=dict)  # deletion variant -> terms
    vocabulary_sorted: list[str] = field(default_factory=list)

    @classmethod
    def build(cls, docs: Iterable[Document]) -> SearchIndex:
        index = cls(docs=list(docs))
        lengths = {
            name: [len(d.fields.get(name, ())) for d in index.docs] for name in FIELD_WEIGHTS
        }
        average = {name: (sum(v) / len(v) if v else 0.0) or 1.0 for name, v in lengths.items()}
        postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for number, doc in enumerate(index.docs):
            weighted: dict[str, float] = defaultdict(float)
            for name, weight in FIELD_WEIGHTS.items():
                terms = doc.fields.get(name, [])
                norm = 1 - B + B * len(terms) / average[name]
                for term, count in Counter(terms).items():
                    weighted[term] += weight * count / norm
            for term, tf in weighted.items():
                postings[term].append((number, tf))
        total = len(index.docs)
        index.postings = dict(postings)
        index.idf = {
            t: math.log(1 + (total - len(p) + 0.5) / (len(p) + 0.5)) for t, p in postings.items()
        }
        for term in index.postings:
            for variant in _deletes(term):
                index.deletions.setdefault(variant, set()).add(term)
        index.vocabulary_sorted = sorted(index.postings)
        return index

    def search(
        self,
        query: str,
        limit: int = 10,
        servers: set[str] | None = None,
        *,
        expand: bool = True,
        related: Mapping[str, Sequence[str]] | None = None,
    ) -> list[Hit]:
        """Ranked tools; `expand=False` is plain BM25F (no synonyms, typos, prefixes).

        `related`: for words of the query that no tool uses, catalog words close in meaning
        (from the semantic model, `SemanticIndex.related_words`), searched at a discount
        in their place: "Rechnung" finds "invoice", "thumbnails" finds "image"."""
        related = related or {}
        asked = tokenize(query)
        stand_ins = [] if not expand else [
            (stem(word) if word.isascii() else word, stem(other))
            for word, others in related.items() for other in others
        ]  # fmt: skip
        # A word that brought stand-ins counts once toward coverage, in any script.
        terms = [*asked, *(w for w in dict.fromkeys(w for w, _ in stand_ins) if w not in asked)]
        if not terms:
            return []
        if expand:
            expanded = self._expand(asked, prefix_at=len(asked) - 1)
            expanded += [(pair, pair, 1.0) for pair in joined_pairs(query) if pair in self.postings]
            expanded += [
                (word, other, RELATED_DISCOUNT)
                for word, other in stand_ins
                if other in self.postings
            ]
        else:
            expanded = [(term, term, 1.0) for term in dict.fromkeys(terms) if term in self.postings]
        scores: dict[int, float] = defaultdict(float)
        matched: dict[int, set[str]] = defaultdict(set)
        for origin, term, factor in expanded:
            idf = self.idf[term]
            for number, tf in self.postings[term]:
                scores[number] += factor * idf * tf * (K1 + 1) / (tf + K1)
                matched[number].add(origin)
        ranked = []
        for number, score in scores.items():
            server, tool = self.docs[number].key
            if servers is not None and server not in servers:
                continue
            coverage = len(matched[number]) / len(
                terms
            )  # reward documents matching more of the query
            ranked.append(Hit(server, tool, score * (0.5 + 0.5 * coverage)))
        ranked.sort(key=lambda h: (-h.score, h.server, h.tool))
        return ranked[:limit]

    def _expand(self, terms: Sequence[str], prefix_at: int) -> list[tuple[str, str, float]]:
        """(query term, index term, weight) triples: exact, synonyms, typos, prefix."""
        out: dict[tuple[str, str], float] = {}

        def add(origin: str, term: str, weight: float) -> None:
            if term in self.postings and out.get((origin, term), 0) < weight:
                out[(origin, term)] = weight

        for position, term in enumerate(terms):
            add(term, term, 1.0)
            for synonym in SYNONYMS.get(term, ()):
                add(term, stem(synonym), SYNONYM_DISCOUNT)
            for key in SYNONYMS_OF.get(term, ()):
                add(term, key, SYNONYM_DISCOUNT)
            if term not in self.postings:
                for candidate in self._near(term):
                    add(term, candidate, TYPO_DISCOUNT)
                for candidate in self._shared_stem(term):
                    add(term, candidate, STEM_DISCOUNT)
            if position == prefix_at and len(term) >= 2:
                for candidate in self._prefixed(term):
                    add(term, candidate, PREFIX_DISCOUNT)
        return [(origin, term, weight) for (origin, term), weight in out.items()]

    def _near(self, term: str) -> set[str]:
        if len(term) < 4:
            return set()
        found: set[str] = set()
        for variant in _deletes(term):
            found |= self.deletions.get(variant, set())
        return {t for t in found if _distance_ok(term, t)}

    def _shared_stem(self, term: str) -> list[str]:
        """Words the stemmer missed: "handwritten" ~ "handwriting" share a long prefix."""
        if len(term) < 7:
            return []
        return self._prefixed(term[: max(6, len(term) - 3)])

    def _prefixed(self, prefix: str, limit: int = 20) -> list[str]:
        start = bisect.bisect_left(self.vocabulary_sorted, prefix)
        out = []
        for term in self.vocabulary_sorted[start : start + limit]:
            if not term.startswith(prefix):
                break
            if term != prefix:
                out.append(term)
        return out


def _deletes(term: str) -> set[str]:
    """The term with one character removed, and with two removed for long terms (SymSpell)."""
    once = {term[:i] + term[i + 1 :] for i in range(len(term))} | {term}
    if len(term) < 8:
        return once
    return once | {v[:i] + v[i + 1 :] for v in once for i in range(len(v))}


def _distance_ok(a: str, b: str) -> bool:
    limit = 2 if len(a) >= 8 else 1
    return _damerau(a, b) <= limit


def _damerau(a: str, b: str) -> int:
    previous_previous: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = ca != cb
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous_previous[j - 2] + 1)
        previous_previous, previous = previous, current
    return previous[-1]
