"""`json_lite` is `json` for the wire, without importing `re`: same values, same refusals."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mcpod.protocol import json_lite

scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text()
values = st.recursive(
    scalars,
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=30,
)


@given(values)
def test_dumps_writes_what_json_writes(value: object) -> None:
    assert json_lite.dumps(value) == json.dumps(value, separators=(",", ":"))


@given(values)
def test_loads_reads_what_json_reads(value: object) -> None:
    text = json.dumps(value, indent=1)
    expected = json.dumps(json.loads(text))  # compared as text: NaN != NaN
    assert json.dumps(json_lite.loads(text)) == expected
    assert json.dumps(json_lite.loads(text.encode())) == expected


@pytest.mark.parametrize(
    "text",
    [b"", b"   ", b"{not json", b"[1,2", b'{"a":1} x', b"nul", b'"a\x01"', b"{'a': 1}", b"[1,]"],
)
def test_loads_refuses_what_json_refuses(text: bytes) -> None:
    with pytest.raises(ValueError):
        json.loads(text)
    with pytest.raises(ValueError):
        json_lite.loads(text)


def test_bad_input_is_a_value_error_before_json_was_ever_imported() -> None:
    """The C scanner needs `json.decoder` to build its error: a fresh process has none."""
    probe = (
        "import sys\nfrom mcpod.protocol import json_lite\nassert 'json' not in sys.modules\n"
        "try:\n    json_lite.loads(b'{not json')\nexcept ValueError as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "Expecting property name" in out.stdout


def test_an_int_enum_is_written_as_its_number() -> None:
    from mcpod.protocol.errors import ErrorCode

    assert json_lite.dumps({"code": ErrorCode.PARSE_ERROR}) == '{"code":-32700}'


def test_what_json_cannot_write_is_refused() -> None:
    with pytest.raises(TypeError):
        json_lite.dumps({1: "a"})
    with pytest.raises(TypeError):
        json_lite.dumps({"a": object()})
