from __future__ import annotations

import pytest

from mcpod.protocol.redact import redact


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ConnectError: https://bob:s3cret@api.example.com/mcp failed",
         "ConnectError: https://***@api.example.com/mcp failed"),
        ("GET https://h/mcp?api_key=s3cret&x=1", "GET https://h/mcp?api_key=***&x=1"),
        ("https://h/sse?x=1&access_token=s3cret#frag", "https://h/sse?x=1&access_token=***#frag"),
        ("'https://h/mcp?Signature=abc&AUTH=def'", "'https://h/mcp?Signature=***&AUTH=***'"),
        ("https://h/mcp?page=2", "https://h/mcp?page=2"),
        ("no url here", "no url here"),
    ],
)  # fmt: skip
def test_credentials_in_urls_are_masked(text: str, expected: str) -> None:
    assert redact(text) == expected
    assert "s3cret" not in redact(text)
