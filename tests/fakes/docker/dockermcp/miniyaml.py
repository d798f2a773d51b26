"""A small YAML reader and writer, stdlib only.

Why: the project venv (and CI) has no PyYAML, yet the real `docker mcp` keeps its state in YAML
(`registry.yaml`, `config.yaml`, `tools.yaml`, `catalogs/*.yaml`, reference §7) and prints YAML for
some `--format yaml` outputs. This covers the subset those files use: block mappings and
sequences (indented or not), plain / single / double-quoted scalars, flow collections,
`|` and `>` block scalars and comments. Anchors, tags and multi-document streams are not
supported (none of the Docker files use them).

`dump()` imitates the two Go emitters named in reference §1 "Two YAML libraries":
gopkg.in/yaml.v3 (indent 4, sequences indented under their key) and goccy/go-yaml (indent 2,
sequences at the key's column).
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["YamlError", "dump", "load"]


class YamlError(ValueError):
    """The text is outside the YAML subset this module reads."""


_INT = re.compile(r"[-+]?(0|[1-9][0-9]*)$")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_NULLS = {"", "~", "null", "Null", "NULL"}
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}


def resolve_plain(text: str) -> Any:
    """Turn a plain scalar into None/bool/int/float/str with the YAML 1.2 core schema."""
    if text in _NULLS:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if _INT.match(text):
        return int(text)
    if _FLOAT.match(text) and any(c.isdigit() for c in text):
        return float(text)
    if text in (".inf", "+.inf", ".Inf"):
        return float("inf")
    if text in ("-.inf", "-.Inf"):
        return float("-inf")
    return text


def _strip_comment(text: str) -> str:
    """Drop a trailing ` # comment` from a plain scalar (quotes are handled by the callers)."""
    if text.startswith("#"):
        return ""
    cut = text.find(" #")
    return (text[:cut] if cut >= 0 else text).rstrip()


def _indent_of(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _is_blank(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


def _find_key_colon(content: str) -> int:
    """Index of the `:` that ends a mapping key on this line, or -1."""
    if content[:1] in ('"', "'"):
        quote = content[0]
        i = 1
        while i < len(content):
            if content[i] == "\\" and quote == '"':
                i += 2
                continue
            if content[i] == quote:
                if quote == "'" and content[i + 1 : i + 2] == "'":
                    i += 2
                    continue
                break
            i += 1
        rest = content[i + 1 :]
        return i + 1 if rest.startswith(":") and (len(rest) == 1 or rest[1] == " ") else -1
    if content[:1] in "[{#|>!&*%@`" or content.startswith("- ") or content == "-":
        return -1
    for i, ch in enumerate(content):
        if ch == "#" and i > 0 and content[i - 1] == " ":
            return -1
        if ch == ":" and (i + 1 == len(content) or content[i + 1] == " "):
            return i
    return -1


class _Flow:
    """Recursive-descent reader for flow collections such as `{type: string}` or `[a, b]`."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def _skip_ws(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in " \t\n":
            self.pos += 1

    def value(self) -> Any:
        self._skip_ws()
        ch = self.text[self.pos : self.pos + 1]
        if ch == "{":
            return self._mapping()
        if ch == "[":
            return self._sequence()
        if ch in ('"', "'"):
            text, self.pos = _read_quoted(self.text, self.pos)
            return text
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] not in ",]}":
            if self.text[self.pos] == ":" and self.text[self.pos + 1 : self.pos + 2] in (" ", ""):
                break
            self.pos += 1
        return resolve_plain(self.text[start : self.pos].strip())

    def _mapping(self) -> dict[str, Any]:
        self.pos += 1
        out: dict[str, Any] = {}
        while True:
            self._skip_ws()
            if self.text[self.pos : self.pos + 1] == "}":
                self.pos += 1
                return out
            key = self.value()
            self._skip_ws()
            value = None
            if self.text[self.pos : self.pos + 1] == ":":
                self.pos += 1
                value = self.value()
            out[str(key)] = value
            self._skip_ws()
            if self.text[self.pos : self.pos + 1] == ",":
                self.pos += 1
            elif self.text[self.pos : self.pos + 1] != "}":
                raise YamlError(f"bad flow mapping: {self.text!r}")

    def _sequence(self) -> list[Any]:
        self.pos += 1
        out: list[Any] = []
        while True:
            self._skip_ws()
            if self.text[self.pos : self.pos + 1] == "]":
                self.pos += 1
                return out
            out.append(self.value())
            self._skip_ws()
            if self.text[self.pos : self.pos + 1] == ",":
                self.pos += 1
            elif self.text[self.pos : self.pos + 1] != "]":
                raise YamlError(f"bad flow sequence: {self.text!r}")


_ESCAPES = {
    "0": "\0",
    "a": "\a",
    "b": "\b",
    "t": "\t",
    "\t": "\t",
    "n": "\n",
    "v": "\v",
    "f": "\f",
    "r": "\r",
    "e": "\x1b",
    " ": " ",
    '"': '"',
    "/": "/",
    "\\": "\\",
    "N": "\x85",
    "_": "\xa0",
    "L": "\u2028",
    "P": "\u2029",
}


def _read_quoted(text: str, pos: int) -> tuple[str, int]:
    """Read a quoted scalar starting at `pos`; return (value, position after the quote)."""
    quote = text[pos]
    out: list[str] = []
    i = pos + 1
    while i < len(text):
        ch = text[i]
        if quote == "'" and ch == "'":
            if text[i + 1 : i + 2] == "'":
                out.append("'")
                i += 2
                continue
            return _fold_quoted("".join(out)), i + 1
        if quote == '"' and ch == '"':
            return _fold_quoted("".join(out)), i + 1
        if quote == '"' and ch == "\\":
            i = _read_escape(text, i, out)
            continue
        out.append(ch)
        i += 1
    raise YamlError(f"unterminated quoted scalar: {text[pos : pos + 40]!r}")


def _read_escape(text: str, i: int, out: list[str]) -> int:
    code = text[i + 1 : i + 2]
    widths = {"x": 2, "u": 4, "U": 8}
    if code in widths:
        digits = text[i + 2 : i + 2 + widths[code]]
        out.append(chr(int(digits, 16)))
        return i + 2 + widths[code]
    if code == "\n":
        return i + 2
    if code not in _ESCAPES:
        raise YamlError(f"bad escape \\{code}")
    out.append(_ESCAPES[code])
    return i + 2


def _fold_quoted(value: str) -> str:
    """Multi-line quoted scalars fold line breaks into spaces (blank lines into newlines)."""
    if "\n" not in value:
        return value
    lines = [line.strip() for line in value.split("\n")]
    out = lines[0]
    for line in lines[1:]:
        out += "\n" if not line else (" " + line if not out.endswith("\n") else line)
    return out


class _Block:
    """Line-oriented reader for block collections."""

    def __init__(self, text: str) -> None:
        self.lines = text.replace("\r\n", "\n").replace("\t", "    ").split("\n")
        self.i = 0

    def _next_content(self) -> int | None:
        """Skip blank and comment lines; return the index of the next content line."""
        while self.i < len(self.lines):
            line = self.lines[self.i]
            if _is_blank(line) or line.startswith(("---", "...", "%")):
                self.i += 1
                continue
            return self.i
        return None

    def document(self) -> Any:
        if self._next_content() is None:
            return None
        value = self.node(_indent_of(self.lines[self.i]))
        if self._next_content() is not None:
            raise YamlError(f"unexpected content at line {self.i + 1}: {self.lines[self.i]!r}")
        return value

    def node(self, indent: int) -> Any:
        content = self.lines[self.i][indent:]
        if content.startswith("- ") or content == "-":
            return self.sequence(indent)
        if _find_key_colon(content) >= 0:
            return self.mapping(indent)
        self.i += 1
        return self.inline(content, indent - 1)

    def mapping(self, indent: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        while self._next_content() is not None:
            line = self.lines[self.i]
            if _indent_of(line) != indent:
                break
            content = line[indent:]
            colon = _find_key_colon(content)
            if colon < 0 or content.startswith("- "):
                break
            key_text = content[:colon].strip()
            key = _Flow(key_text).value() if key_text[:1] in "\"'" else key_text
            rest = content[colon + 1 :].strip()
            self.i += 1
            out[str(key)] = self.value_after_key(rest, indent)
        return out

    def value_after_key(self, rest: str, indent: int) -> Any:
        if rest and not rest.startswith("#"):
            return self.inline(rest, indent)
        if self._next_content() is None:
            return None
        child = self.lines[self.i]
        child_indent = _indent_of(child)
        if child_indent > indent:
            return self.node(child_indent)
        if child_indent == indent and (child[indent:].startswith("- ") or child[indent:] == "-"):
            return self.sequence(indent)
        return None

    def sequence(self, indent: int) -> list[Any]:
        out: list[Any] = []
        while self._next_content() is not None:
            line = self.lines[self.i]
            content = line[indent:]
            if _indent_of(line) != indent or not (content.startswith("- ") or content == "-"):
                break
            item = content[1:].lstrip(" ")
            if not item or item.startswith("#"):
                self.i += 1
                out.append(self.value_after_key("", indent))
                continue
            column = len(line) - len(item)
            if item.startswith("- ") or _find_key_colon(item) >= 0:
                # Re-read the item as a block that starts at its own column.
                self.lines[self.i] = " " * column + item
                out.append(self.node(column))
            else:
                self.i += 1
                out.append(self.inline(item, indent))
        return out

    def inline(self, text: str, parent_indent: int) -> Any:
        """A value written after `key:` or `- ` (the line is already consumed)."""
        if text[:1] in ("|", ">"):
            return self.block_scalar(text, parent_indent)
        if text[:1] in ('"', "'"):
            return self.quoted(text)
        if text[:1] in ("[", "{"):
            return self.flow(text)
        return self.plain(_strip_comment(text), parent_indent)

    def quoted(self, text: str) -> str:
        while True:
            try:
                value, end = _read_quoted(text, 0)
            except YamlError:
                if self.i >= len(self.lines):
                    raise
                text += "\n" + self.lines[self.i]
                self.i += 1
                continue
            if _strip_comment(text[end:].strip()):
                raise YamlError(f"text after quoted scalar: {text!r}")
            return value

    def flow(self, text: str) -> Any:
        while True:
            try:
                parser = _Flow(text)
                value = parser.value()
            except (YamlError, IndexError, ValueError):
                if self.i >= len(self.lines):
                    raise YamlError(f"unterminated flow collection: {text[:40]!r}") from None
                text += "\n" + self.lines[self.i]
                self.i += 1
                continue
            return value

    def plain(self, text: str, parent_indent: int) -> Any:
        parts = [text]
        while self.i < len(self.lines):
            line = self.lines[self.i]
            if _is_blank(line) or _indent_of(line) <= parent_indent:
                break
            parts.append(_strip_comment(line.strip()))
            self.i += 1
        if len(parts) > 1:
            return " ".join(parts)
        return resolve_plain(text)

    def block_scalar(self, header: str, parent_indent: int) -> str:
        header = _strip_comment(header)
        chomp = "-" if "-" in header else "+" if "+" in header else ""
        lines: list[str] = []
        block_indent = None
        while self.i < len(self.lines):
            line = self.lines[self.i]
            if line.strip() and _indent_of(line) <= parent_indent:
                break
            if line.strip() and block_indent is None:
                block_indent = _indent_of(line)
            lines.append(line[block_indent or 0 :] if line.strip() else "")
            self.i += 1
        while lines and chomp != "+" and not lines[-1]:
            lines.pop()
        body = "\n".join(lines) if header.startswith("|") else _fold_block(lines)
        return body if chomp == "-" or not body else body + "\n"


def _fold_block(lines: list[str]) -> str:
    out = ""
    for line in lines:
        if not out:
            out = line
        elif not line:
            out += "\n"
        else:
            out += line if out.endswith("\n") else " " + line
    return out


def load(text: str) -> Any:
    """Parse one YAML document (the subset described in the module docstring)."""
    return _Block(text).document()


# --------------------------------------------------------------------------------------- dump

_PLAIN_UNSAFE_START = set("-?:,[]{}#&*!|>'\"%@` ")


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    text = str(value)
    if _plain_ok(text):
        return text
    return json.dumps(text, ensure_ascii=False)


def _plain_ok(text: str) -> bool:
    if not text or text[0] in _PLAIN_UNSAFE_START or text != text.strip():
        return False
    if any(ch < " " or ch in "\x7f\u2028\u2029\ufeff" for ch in text):
        return False
    if ": " in text or " #" in text or text.endswith(":"):
        return False
    return isinstance(resolve_plain(text), str) and text.lower() not in {"yes", "no", "on", "off"}


def _is_inline(value: Any) -> bool:
    return not isinstance(value, dict | list) or not value


def _inline(value: Any) -> str:
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return _scalar(value)


def _emit(value: Any, col: int, indent: int, seq_indent: bool, out: list[str]) -> None:
    pad = " " * col
    if isinstance(value, dict):
        for key, item in value.items():
            if _is_inline(item):
                out.append(f"{pad}{_scalar(key)}: {_inline(item)}")
                continue
            out.append(f"{pad}{_scalar(key)}:")
            child = col + indent if isinstance(item, dict) or seq_indent else col
            _emit(item, child, indent, seq_indent, out)
    elif isinstance(value, list):
        for item in value:
            if _is_inline(item):
                out.append(f"{pad}- {_inline(item)}")
                continue
            nested: list[str] = []
            _emit(item, col + 2, indent, seq_indent, nested)
            out.append(f"{pad}- {nested[0][col + 2 :]}")
            out.extend(nested[1:])
    else:
        out.append(f"{pad}{_scalar(value)}")


def dump(value: Any, *, indent: int = 2, seq_indent: bool = False) -> str:
    """Serialise like yaml.v3 (`indent=4, seq_indent=True`) or goccy (`indent=2`)."""
    if _is_inline(value):
        return _inline(value) + "\n"
    out: list[str] = []
    _emit(value, 0, indent, seq_indent, out)
    return "\n".join(out) + "\n"
