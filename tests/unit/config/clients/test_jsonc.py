from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mcpod.config.clients import jsonc

COMMENTED = """// leading comment
{
  "a": 1, // trailing comment
  /* block
     comment */
  "servers": {
    "x": {"command": "npx", "args": ["-y", "pkg",],},
  },
  "url": "http://h/*not a comment*/ // nor this",
  "list": [true, false, null, -1.5e3, "\\u00e9\\"q\\""],
}
"""


def test_comments_and_trailing_commas_parse_to_the_values() -> None:
    root = jsonc.parse(COMMENTED)
    assert root.value == {
        "a": 1,
        "servers": {"x": {"command": "npx", "args": ["-y", "pkg"]}},
        "url": "http://h/*not a comment*/ // nor this",
        "list": [True, False, None, -1500.0, 'é"q"'],
    }


@given(st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
))  # fmt: skip
def test_plain_json_parses_like_the_json_module(value: object) -> None:
    for text in (json.dumps(value), json.dumps(value, indent=2)):
        assert jsonc.parse(text).value == json.loads(text)


@pytest.mark.parametrize(
    ("text", "line", "column", "words"),
    [
        ('{\n  "a": 1\n  "b": 2\n}', 3, 3, "missing comma"),
        ('{\n  "a": [1, 2\n}', 3, 1, "expected ',' or ']'"),
        ("{\n  'a': 1\n}", 2, 3, "expected a key in double quotes"),
        ("{\n  \"a\": 'x'\n}", 2, 8, "double quotes"),
        ('{"a": 1} {"b": 2}', 1, 10, "after the end"),
        ('{"a": 1 /* open', 1, 9, "never closed with */"),
        ('{\n  "a": {"b": 1', 2, 15, "never closed with '}'"),
        ('{"a": "line\nbreak"}', 1, 12, "line break"),
        ("", 1, 1, "empty"),
        ('{"a": tru}', 1, 7, "unexpected character 't'"),
    ],
)
def test_errors_name_the_line_the_column_and_what_is_wrong(
    text: str, line: int, column: int, words: str
) -> None:
    with pytest.raises(jsonc.JsoncError) as caught:
        jsonc.parse(text)
    assert (caught.value.line, caught.value.column) == (line, column)
    assert words in caught.value.reason


def test_set_member_replaces_only_the_value_span() -> None:
    root = jsonc.parse(COMMENTED)
    member = jsonc.find(root, ("servers",))
    assert member is not None
    new = jsonc.set_member(COMMENTED, root, ("servers",), {"mcpod": {"command": "/s"}})
    assert new.startswith(COMMENTED[: member.node.start])
    assert new.endswith(COMMENTED[member.node.end :])
    assert jsonc.parse(new).value["servers"] == {"mcpod": {"command": "/s"}}
    assert '  "servers": {\n    "mcpod": {\n      "command": "/s"\n    }\n  },' in new


def test_a_member_inserted_first_is_removed_without_a_trace() -> None:
    text = '{\n\t"numStartups": 3,\n\t"projects": {}\n}\n'
    root = jsonc.parse(text)
    new = jsonc.set_member(text, root, ("mcpServers",), {"m": {"args": []}})
    assert new == '{\n\t"mcpServers": {\n\t\t"m": {\n\t\t\t"args": []\n\t\t}\n\t},\n' + text[2:]
    assert jsonc.remove_member(new, jsonc.parse(new), ("mcpServers",)) == text


def test_insert_into_an_empty_object_keeps_its_comment() -> None:
    text = "{\n  // nothing yet\n}\n"
    new = jsonc.set_member(text, jsonc.parse(text), ("servers",), {})
    assert new == '{\n  // nothing yet\n  "servers": {}\n}\n'


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"a": 1, "b": 2, "c": 3}', '{"a": 1, "c": 3}'),
        ('{"a": 1, "b": 2}', '{"a": 1}'),
        ('{"a": 1, "b": 2,}', '{"a": 1}'),
        ('{"b": 2}', "{}"),
    ],
)
def test_remove_member_takes_its_comma(text: str, expected: str) -> None:
    assert jsonc.remove_member(text, jsonc.parse(text), ("b",)) == expected


def test_redact_hides_credential_values_only_under_the_path() -> None:
    text = (
        '{"servers": {"s": {"env": {"API_TOKEN": "t0ps3cret", "MODE": "dev"}}},'
        ' "API_TOKEN": "outside"}'
    )
    shown = jsonc.redact(text, jsonc.parse(text), ("servers",), lambda key: "TOKEN" in key)
    assert "t0ps3cret" not in shown and '"API_TOKEN": "<redacted>"' in shown
    assert '"MODE": "dev"' in shown and '"outside"' in shown
