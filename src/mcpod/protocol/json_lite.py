"""JSON for start-up paths (the shim, the CLI's connect): the C scanner and string
encoder of `_json`, without importing `json`, which imports `re`: ~9 ms of a shim's
start here, for a shim whose whole budget is 20 ms.

`loads` is `json.loads` for our wire: the same C scanner, the same strictness (control
characters in strings refused, trailing data refused), `ValueError` on bad input. `dumps`
is compact `json.dumps(obj, separators=(",", ":"))` for the shapes we send (dicts with
string keys, lists, tuples, strings, numbers, booleans, None). Where `_json` is missing
(not CPython), both fall back to `json`.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not `from typing`: start-up cannot afford it
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

_WHITESPACE = " \t\n\r"
_CONSTANTS = {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf")}


class _Context:
    """The attributes `_json.make_scanner` reads from a `json.JSONDecoder`."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int  # the scanner's own fast path for ints
    parse_constant = _CONSTANTS.__getitem__
    memo: dict[str, str] = {}


try:
    from _json import encode_basestring_ascii as _quote
    from _json import make_scanner as _make_scanner
except ImportError:  # pragma: no cover - not CPython
    import json as _json_module

    def loads(data: bytes | str) -> Any:
        return _json_module.loads(data)

    def dumps(value: Any) -> str:
        return _json_module.dumps(value, separators=(",", ":"))

else:
    # typeshed wants a JSONDecoder; the scanner reads only the attributes `_Context` has.
    _scan: Callable[[str, int], tuple[Any, int]] = _make_scanner(_Context())  # type: ignore[arg-type]

    def loads(data: bytes | str) -> Any:
        """Decode one JSON text; ValueError (json's own JSONDecodeError) if it is not one."""
        text = data.decode("utf-8") if isinstance(data, (bytes, bytearray)) else data
        start = len(text) - len(text.lstrip(_WHITESPACE))
        try:
            value, end = _scan(text, start)
        except StopIteration:
            raise ValueError(f"not JSON: expected a value at character {start}") from None
        except Exception:
            # The scanner builds its error from `json.decoder`, and only if that module is
            # loaded (a SystemError otherwise): so bad input loads it, and json says why.
            import json

            return json.loads(text)
        if text[end:].strip(_WHITESPACE):
            raise ValueError(f"not JSON: extra data at character {end}")
        return value

    def dumps(value: Any) -> str:
        """Compact JSON (ASCII, like `json.dumps` by default)."""
        out: list[str] = []
        _encode(value, out)
        return "".join(out)


def _encode(value: Any, out: list[str]) -> None:
    if isinstance(value, str):
        out.append(_quote(value))
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        out.append(int.__repr__(value))  # an IntEnum member as its number, like json
    elif isinstance(value, float):
        if value != value:
            out.append("NaN")  # as json.dumps writes them (allow_nan: its default)
        elif value in (float("inf"), float("-inf")):
            out.append("Infinity" if value > 0 else "-Infinity")
        else:
            out.append(float.__repr__(value))
    elif isinstance(value, dict):
        out.append("{")
        for number, (key, item) in enumerate(value.items()):
            if not isinstance(key, str):
                raise TypeError(f"JSON object keys must be strings, not {type(key).__name__}")
            if number:
                out.append(",")
            out.append(_quote(key))
            out.append(":")
            _encode(item, out)
        out.append("}")
    elif isinstance(value, (list, tuple)):
        out.append("[")
        for number, item in enumerate(value):
            if number:
                out.append(",")
            _encode(item, out)
        out.append("]")
    else:
        raise TypeError(f"{type(value).__name__} is not JSON serializable")
