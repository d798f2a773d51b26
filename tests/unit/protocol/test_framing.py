from __future__ import annotations

from mcpod.protocol import MAX_LINE_BYTES, LineSplitter, Oversized


def test_framing_splits_lines_across_chunks() -> None:
    splitter = LineSplitter()
    assert list(splitter.feed(b'{"a":1}\n{"b"')) == [b'{"a":1}']
    assert list(splitter.feed(b':2}\n\n  \n{"c":3}\n')) == [b'{"b":2}', b'{"c":3}']
    assert splitter.pending == 0


def test_framing_drops_an_oversized_line_and_recovers() -> None:
    splitter = LineSplitter(max_line=10)
    out = list(splitter.feed(b"0123456789ABC"))  # over the limit before its newline arrives
    out += list(splitter.feed(b"DEF\nok\n"))
    assert out == [Oversized(16), b"ok"]
    assert list(splitter.feed(b"x" * 11 + b"\nfine\n")) == [Oversized(11), b"fine"]


def test_default_limit_is_generous_but_bounded() -> None:
    assert 1 << 20 < MAX_LINE_BYTES <= 64 << 20
