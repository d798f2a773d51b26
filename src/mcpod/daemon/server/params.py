"""The params of each MCP method the daemon serves, type-checked before any handler runs.

Handlers keep the raw dict (so unknown fields still reach the upstream untouched); these
Structs only hold it to the types the spec gives, with unknown fields allowed, and a
wrong one is an invalid-params error that names it.
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec

from mcpod.protocol import ErrorCode, RpcError

Meta = dict[str, Any] | None
LogLevel = Literal["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"]


class _Params(msgspec.Struct, kw_only=True, rename={"meta": "_meta"}):
    meta: Meta = None


class Paged(_Params):
    cursor: str | None = None


class Initialize(_Params, rename={"meta": "_meta", "client_info": "clientInfo",
                                 "protocol_version": "protocolVersion"}):  # fmt: skip
    protocol_version: str | None = None
    capabilities: dict[str, Any] = {}
    client_info: dict[str, Any] = {}


class Listen(_Params):
    notifications: dict[str, Any] = {}


class CallTool(_Params):
    name: str
    arguments: dict[str, Any] | None = None


class GetPrompt(_Params):
    name: str
    arguments: dict[str, Any] | None = None


class Uri(_Params):
    uri: str


class Complete(_Params):
    ref: dict[str, Any]
    argument: dict[str, Any] = {}


class SetLevel(_Params):
    level: LogLevel


SHAPES: dict[str, type[msgspec.Struct]] = {
    "initialize": Initialize,
    "ping": _Params,
    "server/discover": _Params,
    "subscriptions/listen": Listen,
    "tools/list": Paged,
    "tools/call": CallTool,
    "prompts/list": Paged,
    "prompts/get": GetPrompt,
    "resources/list": Paged,
    "resources/templates/list": Paged,
    "resources/read": Uri,
    "resources/subscribe": Uri,
    "resources/unsubscribe": Uri,
    "completion/complete": Complete,
    "logging/setLevel": SetLevel,
}


def check_params(method: str, params: dict[str, Any]) -> None:
    """Raise an invalid-params `RpcError` naming the field when `params` has a wrong type."""
    shape = SHAPES.get(method)
    if shape is None:
        return
    try:
        msgspec.convert(params, shape)
    except msgspec.ValidationError as exc:
        raise RpcError(
            f"Invalid params for {method}: {exc}", code=ErrorCode.INVALID_PARAMS
        ) from None
