"""A client's config file as text: read, its servers object, and edits of that object only.

JSON(C) files are edited by splicing the servers value's span (`jsonc`), TOML files with
tomlkit (style-preserving): comments, formatting and every other key survive. A file that
cannot be parsed raises `ClientFileError` naming the file, line and column, and is never
written.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomlkit
import tomlkit.exceptions
from tomlkit.items import Item

from mcpod.config.clients import jsonc
from mcpod.config.clients.registry import Format
from mcpod.config.clients.values import secret_key
from mcpod.protocol import ConfigError

REDACTED = "<redacted>"
_NAMES_OF_VARIABLES = ("_env_var", "env_vars", "env_http_headers")


class ClientFileError(ConfigError):
    """A client's file that mcpod cannot read or use; the message says what to do."""


def malformed(path: Path, line: int, column: int, what: str) -> ClientFileError:
    return ClientFileError(
        f"{path}: line {line}, column {column}: {what}. mcpod did not change the file: "
        "fix it in an editor (or in the client) and run the command again"
    )


@dataclass(frozen=True, slots=True)
class Document:
    path: Path
    format: Format
    text: str
    data: dict[str, Any]  # the parsed document, as plain values
    root: jsonc.Node | None = None  # JSON(C) files: the spans

    @classmethod
    def load(cls, path: Path, format: Format) -> Document | None:
        """The file parsed, or None if there is none."""
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise ClientFileError(f"{path}: cannot read it: {exc.strerror}") from None
        return cls.parse(path, format, raw)

    @classmethod
    def parse(cls, path: Path, format: Format, raw: bytes) -> Document:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line, column = jsonc.position(raw[: exc.start].decode("utf-8", "replace"), exc.start)
            raise malformed(path, line, column, "the file is not UTF-8 text") from None
        if format == "toml":
            try:
                data = tomlkit.parse(text).unwrap()
            except tomlkit.exceptions.ParseError as exc:
                raise malformed(path, exc.line, exc.col, _toml_reason(exc)) from None
            return cls(path, format, text, data)
        try:
            root = jsonc.parse(text)
        except jsonc.JsoncError as exc:
            raise malformed(path, exc.line, exc.column, exc.reason) from None
        if not isinstance(root.value, dict):
            line, column = jsonc.position(text, root.start)
            raise malformed(path, line, column, "the top level is not a JSON object")
        return cls(path, format, text, root.value, root)

    def servers(self, key: Sequence[str]) -> dict[str, Any] | None:
        """The servers object at `key`, None if absent; an error if it is not an object."""
        value: Any = self.data
        for part in key:
            if not isinstance(value, dict) or part not in value:
                return None
            value = value[part]
        if not isinstance(value, dict):
            raise ClientFileError(
                f"{self.path}: {'.'.join(key)} is not an object of servers; fix it in an "
                "editor (mcpod did not change the file)"
            )
        return value

    def with_servers(self, key: str, servers: dict[str, Any]) -> str:
        """The text with the top-level `key` set to `servers`, and nothing else changed."""
        if self.root is not None:
            return jsonc.set_member(self.text, self.root, (key,), servers)
        document = tomlkit.parse(self.text)
        document[key] = _toml_servers(servers)
        return tomlkit.dumps(document)

    def with_servers_from(self, key: str, backup: Document) -> str:
        """The text with `key` as it is in `backup` (removed if `backup` has none)."""
        if self.root is not None and backup.root is not None:
            saved = jsonc.find(backup.root, (key,))
            current = jsonc.find(self.root, (key,))
            if saved is None:
                return jsonc.remove_member(self.text, self.root, (key,))
            if current is None:
                return jsonc.set_member(self.text, self.root, (key,), saved.node.value)
            raw = backup.text[saved.node.start : saved.node.end]
            return jsonc.replace_raw(self.text, current, raw)
        document, old = tomlkit.parse(self.text), tomlkit.parse(backup.text)
        if key in old:
            document[key] = old[key]
        elif key in document:
            del document[key]
        return tomlkit.dumps(document)

    def redacted(self, key: str) -> str:
        """The text with credential-looking values under `key` replaced (for diffs)."""
        if self.root is not None:
            return jsonc.redact(self.text, self.root, (key,), secret_key)
        document = tomlkit.parse(self.text)
        if key in document:
            _redact_toml(document[key])
        return tomlkit.dumps(document)


def new_text(format: Format, key: str, servers: dict[str, Any]) -> str:
    """A new file holding only `servers`, in the client's format."""
    if format == "toml":
        document = tomlkit.document()
        document[key] = _toml_servers(servers)
        return tomlkit.dumps(document)
    return json.dumps({key: servers}, indent=2, ensure_ascii=False) + "\n"


def _toml_servers(servers: dict[str, Any]) -> Item:
    table = tomlkit.table(is_super_table=True)
    for name, entry in servers.items():
        server = tomlkit.table()
        for field, value in entry.items():
            if isinstance(value, dict):
                inline = tomlkit.inline_table()
                inline.update(value)
                server[field] = inline
            else:
                server[field] = value
        table[name] = server
    return table


def _redact_toml(item: Any) -> None:
    if not isinstance(item, dict):
        return
    for field in list(item):
        value = item[field]
        if field.endswith(_NAMES_OF_VARIABLES):
            continue  # Codex: names of environment variables, not values
        if isinstance(value, str) and secret_key(field):
            item[field] = REDACTED
        else:
            _redact_toml(value)


def _toml_reason(exc: tomlkit.exceptions.ParseError) -> str:
    text = str(exc)
    at = text.rfind(" at line ")
    return (text[:at] if at > 0 else text).rstrip(".") + " (not valid TOML)"
