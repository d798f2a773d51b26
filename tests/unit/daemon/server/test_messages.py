from __future__ import annotations

import pytest

from mcpod.daemon.server.messages import BadMessage, read_message
from mcpod.protocol import ErrorCode


def test_a_request_a_notification_and_a_response() -> None:
    request = read_message(b'{"jsonrpc":"2.0","id":7,"method":"ping","params":{"a":[1]}}')
    assert (request.method, request.request_id, request.params) == ("ping", 7, {"a": [1]})
    assert read_message(b'{"jsonrpc":"2.0","method":"notifications/x"}').is_notification
    assert read_message(b'{"jsonrpc":"2.0","id":"s","result":{}}').method is None


@pytest.mark.parametrize(
    ("line", "code", "answer_to"),
    [
        (b"{nope", ErrorCode.PARSE_ERROR, None),
        (b'{"id":1,"method":2}', ErrorCode.INVALID_REQUEST, 1),
        (b'{"id":9223372036854775808,"method":"ping"}', ErrorCode.INVALID_REQUEST, None),
        (b'{"id":-9223372036854775809,"method":"ping"}', ErrorCode.INVALID_REQUEST, None),
        (b'{"id":true,"method":"ping"}', ErrorCode.INVALID_REQUEST, None),
        (b'{"id":{"a":1},"method":"ping"}', ErrorCode.INVALID_REQUEST, None),
        (b'{"id":"' + b"x" * 2000 + b'","method":"ping"}', ErrorCode.INVALID_REQUEST, None),
        (b'{"id":3,"method":"ping","params":[1,2]}', ErrorCode.INVALID_REQUEST, 3),
        (b'{"id":3,"method":"ping","params":"x"}', ErrorCode.INVALID_REQUEST, 3),
        (b"[1,2,3]", ErrorCode.INVALID_REQUEST, None),
    ],
)
def test_a_bad_line_says_what_to_answer(line: bytes, code: ErrorCode, answer_to: object) -> None:
    with pytest.raises(BadMessage) as caught:
        read_message(line)
    assert caught.value.code == code and caught.value.request_id == answer_to


def test_the_largest_64_bit_ids_are_fine() -> None:
    for request_id in (2**63 - 1, -(2**63)):
        line = b'{"id":%d,"method":"ping"}' % request_id
        assert read_message(line).request_id == request_id


@pytest.mark.parametrize("where", ["params", "envelope"])
def test_nesting_beyond_the_decoders_limit_is_an_error_not_a_crash(where: str) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    if where == "params":
        line = b'{"id":4,"method":"ping","params":{"x":' + deep + b"}}"
    else:
        line = b'{"id":4,"method":"ping","extra":' + deep + b"}"
    with pytest.raises(BadMessage) as caught:
        read_message(line)
    assert caught.value.code == ErrorCode.INVALID_REQUEST and "deep" in caught.value.message


def test_a_responses_result_and_error_are_kept_for_mcpods_own_requests() -> None:
    answer = read_message(b'{"jsonrpc":"2.0","id":3,"result":{"roots":[]}}')
    assert (answer.method, answer.request_id, answer.result, answer.error) == (
        None, 3, {"roots": []}, None,
    )  # fmt: skip
    refusal = read_message(b'{"jsonrpc":"2.0","id":4,"error":{"code":-1,"message":"no"}}')
    assert refusal.error == {"code": -1, "message": "no"} and refusal.result is None
