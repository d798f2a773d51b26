"""Reading one line from a client: the JSON-RPC envelope, type-checked.

Only the envelope is decoded on the hot path (the params stay raw until the method is
known). Ids are `int | str` within 64 bits (and strings of sane length), params are
objects, and nesting is bounded by the decoder's recursion limit: anything else is
answered with an error and never reaches a handler.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
import orjson

from mcpod.protocol import ErrorCode
from mcpod.protocol.mcp import id_key

__all__ = ["BadMessage", "Incoming", "id_key", "read_message"]

INT64 = msgspec.Meta(ge=-(2**63), le=2**63 - 1)
MAX_ID_CHARS = 1024
RequestId = Annotated[int, INT64] | Annotated[str, msgspec.Meta(max_length=MAX_ID_CHARS)]


class ClientEnvelope(msgspec.Struct):
    jsonrpc: str = "2.0"
    id: RequestId | msgspec.UnsetType | None = msgspec.UNSET
    method: str | msgspec.UnsetType = msgspec.UNSET
    params: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET
    result: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET
    error: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET


class BadMessage(Exception):
    """A line that cannot be served: the code and the id (if readable) to answer with."""

    def __init__(self, code: ErrorCode, message: str, request_id: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.request_id = request_id


class Incoming(msgspec.Struct, frozen=True):
    method: str | None  # None: a response from the client
    request_id: Any  # UNSET for a notification
    params: dict[str, Any]
    # A response's (to mcpod's request): its result, or its error as sent (unchecked).
    result: Any = None
    error: Any = None

    @property
    def is_notification(self) -> bool:
        return self.request_id is msgspec.UNSET


_envelope = msgspec.json.Decoder(ClientEnvelope)
_params = msgspec.json.Decoder(dict[str, Any])


def read_message(line: bytes) -> Incoming:
    """The message on `line`; `BadMessage` says what to answer instead."""
    try:
        envelope = _envelope.decode(line)
    except msgspec.ValidationError as exc:  # first: a subclass of DecodeError
        raise BadMessage(
            ErrorCode.INVALID_REQUEST, f"Invalid request: {exc}", _safe_id(line)
        ) from None
    except msgspec.DecodeError as exc:
        raise BadMessage(ErrorCode.PARSE_ERROR, f"Parse error: {exc}") from None
    except RecursionError:
        raise BadMessage(ErrorCode.INVALID_REQUEST, "Invalid request: nested too deeply") from None
    request_id = envelope.id
    params: dict[str, Any] = {}
    if envelope.params is not msgspec.UNSET:
        params = _decode_params(envelope.params, request_id)
    if envelope.method is msgspec.UNSET:
        return _response(envelope)
    return Incoming(method=envelope.method, request_id=request_id, params=params)


def _response(envelope: ClientEnvelope) -> Incoming:
    """A client's answer to a request mcpod sent it (rare: decoded whole, leniently)."""
    result = error = None
    try:
        if envelope.error is not msgspec.UNSET:
            error = msgspec.json.decode(envelope.error)
        elif envelope.result is not msgspec.UNSET:
            result = msgspec.json.decode(envelope.result)
    except (msgspec.DecodeError, RecursionError):
        error = {"message": "the client's answer could not be read"}
    return Incoming(None, envelope.id, {}, result=result, error=error)


def _decode_params(raw: msgspec.Raw, request_id: Any) -> dict[str, Any]:
    answer_to = None if request_id is msgspec.UNSET else request_id
    try:
        return _params.decode(raw)
    except msgspec.ValidationError:
        raise BadMessage(
            ErrorCode.INVALID_REQUEST, "Invalid request: params must be an object", answer_to
        ) from None
    except RecursionError:
        raise BadMessage(
            ErrorCode.INVALID_REQUEST, "Invalid request: params nested too deeply", answer_to
        ) from None


def _safe_id(line: bytes) -> Any:
    """The id of a message whose envelope is invalid, when it is a valid id itself."""
    try:
        value = orjson.loads(line)
    except (orjson.JSONDecodeError, RecursionError):
        return None
    request_id = value.get("id") if isinstance(value, dict) else None
    if isinstance(request_id, bool):
        return None
    if isinstance(request_id, int) and -(2**63) <= request_id < 2**63:
        return request_id
    if isinstance(request_id, str) and len(request_id) <= MAX_ID_CHARS:
        return request_id
    return None
