"""JSON with comments (JSONC): parse it, and edit one member in place.

VS Code's and Gemini CLI's files allow `//` and `/* */` comments and trailing commas; the
others are plain JSON, which is a subset. The parser keeps the span of every value and
member, so an edit replaces exactly one span and every other byte of the file (comments,
indentation, key order) survives. Errors carry the line and column.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

MAX_DEPTH = 256
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_LITERALS = {"true": True, "false": False, "null": None}
_SPACE = " \t\r\n"
_BLANK = re.compile(r"[ \t\r\n]*")
_PLAIN = re.compile(r'[^"\\\x00-\x1f]*')  # a run of string characters needing no care


class JsoncError(ValueError):
    """The text is not JSON(C); `line` and `column` are 1-based."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(f"line {line}, column {column}: {message}")
        self.reason, self.line, self.column = message, line, column


@dataclass(frozen=True, slots=True)
class Node:
    """A value and its span `text[start:end]`; an object also has its members."""

    start: int
    end: int
    value: Any
    members: tuple[Member, ...] = ()


@dataclass(frozen=True, slots=True)
class Member:
    key: str
    key_start: int
    node: Node
    comma: int | None  # the index of the ',' after the value, if there is one


def parse(text: str) -> Node:
    return _Parser(text).document()


def position(text: str, index: int) -> tuple[int, int]:
    """The 1-based line and column of `text[index]`."""
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 1 if text.startswith("\ufeff") else 0

    def fail(self, message: str, at: int | None = None) -> JsoncError:
        line, column = position(self.text, self.pos if at is None else at)
        return JsoncError(message, line, column)

    def document(self) -> Node:
        self.skip()
        if self.pos >= len(self.text):
            raise self.fail("the file is empty (expected a JSON object)")
        node = self.value(0)
        self.skip()
        if self.pos < len(self.text):
            raise self.fail("unexpected text after the end of the top-level value")
        return node

    def skip(self) -> None:
        """Past whitespace and comments."""
        text = self.text
        while True:
            self.pos = _BLANK.match(text, self.pos).end()  # type: ignore[union-attr]
            if text.startswith("//", self.pos):
                end = text.find("\n", self.pos)
                self.pos = len(text) if end < 0 else end + 1
            elif text.startswith("/*", self.pos):
                end = text.find("*/", self.pos + 2)
                if end < 0:
                    raise self.fail("a /* comment is never closed with */")
                self.pos = end + 2
            else:
                return

    def value(self, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise self.fail("values are nested too deeply")
        if self.pos >= len(self.text):
            raise self.fail("the file ends where a value was expected")
        char = self.text[self.pos]
        if char == "{":
            return self.object(depth)
        if char == "[":
            return self.array(depth)
        if char == '"':
            start = self.pos
            text = self.string()
            return Node(start, self.pos, text)
        return self.scalar()

    def object(self, depth: int) -> Node:
        start = self.pos
        self.pos += 1
        members: list[Member] = []
        values: dict[str, Any] = {}
        self.skip()
        while not self.at("}"):
            self.not_at_end("an object", "}", start)
            if not self.at('"'):
                raise self.fail("expected a key in double quotes, or '}'")
            key_start = self.pos
            key = self.string()
            self.skip()
            if not self.at(":"):
                raise self.fail(f"expected ':' after the key {key!r}")
            self.pos += 1
            self.skip()
            node = self.value(depth + 1)
            self.skip()
            comma = self.pos if self.at(",") else None
            members.append(Member(key, key_start, node, comma))
            values[key] = node.value  # a repeated key: the last one wins, as in JSON.parse
            if comma is None:
                if not self.at("}"):
                    self.not_at_end("an object", "}", start)
                    raise self.fail("expected ',' or '}' after a value (a missing comma?)")
                break
            self.pos += 1
            self.skip()
        self.pos += 1
        return Node(start, self.pos, values, tuple(members))

    def array(self, depth: int) -> Node:
        start = self.pos
        self.pos += 1
        items: list[Any] = []
        self.skip()
        while not self.at("]"):
            self.not_at_end("a list", "]", start)
            items.append(self.value(depth + 1).value)
            self.skip()
            if self.at(","):
                self.pos += 1
                self.skip()
            elif not self.at("]"):
                self.not_at_end("a list", "]", start)
                raise self.fail("expected ',' or ']' after a list item (a missing comma?)")
        self.pos += 1
        return Node(start, self.pos, items)

    def string(self) -> str:
        text, start = self.text, self.pos
        index = start + 1
        while True:
            index = _PLAIN.match(text, index).end()  # type: ignore[union-attr]
            if index >= len(text):
                raise self.fail("a string is never closed with '\"'", start)
            char = text[index]
            if char == '"':
                break
            if char == "\\":
                index += 2
                continue
            raise self.fail("a string has a line break or control character in it", index)
        self.pos = index + 1
        try:
            decoded: str = json.loads(text[start : self.pos])
        except ValueError:
            raise self.fail("a string has an invalid escape sequence", start) from None
        return decoded

    def scalar(self) -> Node:
        start = self.pos
        match = _NUMBER.match(self.text, start)
        if match:
            self.pos = match.end()
            return Node(start, self.pos, json.loads(match[0]))
        for word, literal in _LITERALS.items():
            if self.text.startswith(word, start):
                self.pos = start + len(word)
                return Node(start, self.pos, literal)
        if self.text[start] == "'":
            raise self.fail("strings need double quotes, not single quotes")
        raise self.fail(f"unexpected character {self.text[start]!r} where a value was expected")

    def not_at_end(self, what: str, close: str, start: int) -> None:
        if self.pos >= len(self.text):
            line, column = position(self.text, start)
            raise self.fail(
                f"the file ends inside {what} (opened at line {line}, column {column}) "
                f"that is never closed with {close!r}"
            )

    def at(self, char: str) -> bool:
        return self.text.startswith(char, self.pos)


# Editing: every function takes the text and its parsed root and returns the new text.


def find(root: Node, path: Sequence[str]) -> Member | None:
    """The member at `path` (keys from the root), or None."""
    node: Node | None = root
    member = None
    for key in path:
        if node is None or not isinstance(node.value, dict):
            return None
        member = next((m for m in reversed(node.members) if m.key == key), None)
        node = member.node if member else None
    return member


def set_member(text: str, root: Node, path: Sequence[str], value: Any) -> str:
    """`text` with the value at `path` replaced by `value` (JSON, indented like the file),
    or the member inserted first in its object (which must exist) when it is absent."""
    unit = indent_unit(text, root)
    member = find(root, path)
    if member is not None:
        rendered = render(value, line_indent(text, member.key_start), unit)
        return splice(text, member.node.start, member.node.end, rendered)
    parent = root if len(path) == 1 else _object_at(root, path[:-1])
    key = json.dumps(path[-1], ensure_ascii=False)
    if parent.members:
        first = parent.members[0].key_start
        base = line_indent(text, first)
        after = f",\n{base}" if starts_line(text, first) else ", "
        return splice(text, first, first, f"{key}: {render(value, base, unit)}{after}")
    close = parent.end - 1
    while close - 1 > parent.start and text[close - 1] in _SPACE:
        close -= 1
    base = line_indent(text, parent.start)
    inner = base + unit
    insert = f"\n{inner}{key}: {render(value, inner, unit)}\n{base}"
    return splice(text, close, parent.end - 1, insert)


def replace_raw(text: str, member: Member, raw: str) -> str:
    """`text` with `member`'s value replaced by the JSON text `raw`, as it is."""
    return splice(text, member.node.start, member.node.end, raw)


def remove_member(text: str, root: Node, path: Sequence[str]) -> str:
    """`text` without the member at `path` (and its comma); unchanged when it is absent."""
    member = find(root, path)
    if member is None:
        return text
    parent = root if len(path) == 1 else _object_at(root, path[:-1])
    members = list(parent.members)
    index = members.index(member)
    end = member.comma + 1 if member.comma is not None else member.node.end
    if index + 1 < len(members):
        return splice(text, member.key_start, members[index + 1].key_start, "")
    if index > 0 and members[index - 1].comma is not None:
        return splice(text, members[index - 1].comma or 0, end, "")
    start = member.key_start
    while start - 1 > parent.start and text[start - 1] in _SPACE:
        start -= 1
    return splice(text, start, end, "")


def redact(text: str, root: Node, path: Sequence[str], secret: Any) -> str:
    """`text` with every string value under `path` whose key `secret(key)` calls secret
    replaced by "<redacted>" (for showing a diff of a file that holds credentials)."""
    member = find(root, path)
    spans: list[tuple[int, int]] = []

    def walk(node: Node) -> None:
        for child in node.members:
            if isinstance(child.node.value, str) and secret(child.key):
                spans.append((child.node.start, child.node.end))
            walk(child.node)

    if member is not None:
        walk(member.node)
    for start, end in sorted(spans, reverse=True):
        text = splice(text, start, end, '"<redacted>"')
    return text


def splice(text: str, start: int, end: int, new: str) -> str:
    return text[:start] + new + text[end:]


def render(value: Any, base: str, unit: str) -> str:
    """`value` as JSON whose lines after the first are indented by `base`."""
    return json.dumps(value, indent=unit, ensure_ascii=False).replace("\n", "\n" + base)


def line_indent(text: str, index: int) -> str:
    """The whitespace that starts the line `text[index]` is on."""
    line_start = text.rfind("\n", 0, index) + 1
    end = line_start
    while end < index and text[end] in " \t":
        end += 1
    return text[line_start:end]


def indent_unit(text: str, root: Node) -> str:
    """The file's indentation step, from its top-level members (two spaces if none)."""
    outer = line_indent(text, root.start)
    for member in root.members:
        indent = line_indent(text, member.key_start)
        if starts_line(text, member.key_start) and len(indent) > len(outer):
            return indent[len(outer) :]
    return "  "


def starts_line(text: str, index: int) -> bool:
    """Is `text[index]` the first non-blank character of its line?"""
    return not text[text.rfind("\n", 0, index) + 1 : index].strip(" \t")


def _object_at(root: Node, path: Sequence[str]) -> Node:
    member = find(root, path)
    if member is None or not isinstance(member.node.value, dict):
        raise KeyError("/".join(path))
    return member.node
