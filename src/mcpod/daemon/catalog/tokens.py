"""Token costs and one-line summaries: what a listing costs the model, and how it reads.

Token costs are estimates: one token per four characters of the compact JSON a client
receives for the tool (name, description, schemas). That is the usual rule of thumb for
English and JSON with the cl100k/o200k-style tokenizers; mcpod ships no tokenizer (they
download their vocabularies at run time), so treat the figure as +/-20%.
"""

from __future__ import annotations

import json
import re
from typing import Any

_SENTENCE_END = re.compile(r"(?<=[.!?])\s")


def estimate_tokens(value: Any) -> int:
    return max(1, (len(json.dumps(value, separators=(",", ":"), ensure_ascii=False)) + 3) // 4)


def one_line(text: str | None, width: int = 100) -> str:
    line = " ".join((text or "").split())
    sentence = _SENTENCE_END.split(line, maxsplit=1)[0]
    return sentence if len(sentence) <= width else sentence[: width - 1].rstrip() + "…"
