"""The one registry of error codes that cross mcpod's wire, and mcpod's exception tree.

JSON-RPC reserves -32768..-32000. The standard codes are reused where they fit; MCP
itself uses -32000..-32022 (connection closed, request timeout, resource not found and
the 2026-07-28 codes), so mcpod's own codes live at -32099..-32090, clear of both.
"""

from __future__ import annotations

from enum import IntEnum

TYPE_CHECKING = False  # not `from typing`: the shim's start-up cannot afford it
if TYPE_CHECKING:
    from typing import Any


class ErrorCode(IntEnum):
    # JSON-RPC 2.0
    PARSE_ERROR = -32700
    INVALID_REQUEST = -32600
    METHOD_NOT_FOUND = -32601
    INVALID_PARAMS = -32602
    INTERNAL_ERROR = -32603
    # MCP
    CONNECTION_CLOSED = -32000
    REQUEST_TIMEOUT = -32001
    UNSUPPORTED_PROTOCOL_VERSION = -32022
    # mcpod
    DAEMON_UNAVAILABLE = -32099
    PROTOCOL_MISMATCH = -32098
    HANDSHAKE_FAILED = -32097
    MESSAGE_TOO_LARGE = -32096
    UPSTREAM_UNAVAILABLE = -32095
    UNKNOWN_SERVER = -32094
    PERMISSION_DENIED = -32093
    SHUTTING_DOWN = -32092
    OVERLOADED = -32091
    AMBIGUOUS_SESSION = -32090  # a shared server's request that no one session can answer


def error_code(value: object, default: ErrorCode) -> ErrorCode:
    """The registry's code for a wire value, or `default` for one it does not know."""
    try:
        return ErrorCode(int(value))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return default


class McpodError(Exception):
    """Base of every mcpod error: a wire code and a message that says what to do."""

    code: int = ErrorCode.INTERNAL_ERROR

    def __init__(self, message: str, *, code: int | None = None, data: Any = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.data = data

    def to_error_object(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": int(self.code), "message": self.message}
        if self.data is not None:
            error["data"] = self.data
        return error


class ConfigError(McpodError):
    """The config file cannot be used; the message names the file and the key."""

    code = ErrorCode.INVALID_PARAMS


class PathError(McpodError):
    """A per-user path is unusable (socket path too long, unsafe runtime dir)."""

    code = ErrorCode.INTERNAL_ERROR


class DaemonUnavailable(McpodError):
    """No daemon answers and none could be started."""

    code = ErrorCode.DAEMON_UNAVAILABLE


class HandshakeFailed(McpodError):
    """The daemon refused or garbled the hello/welcome exchange."""

    code = ErrorCode.HANDSHAKE_FAILED


class UpstreamUnavailable(McpodError):
    """An upstream MCP server could not be started or has gone away."""

    code = ErrorCode.UPSTREAM_UNAVAILABLE


class RpcError(McpodError):
    """An error answer to one JSON-RPC request, with whatever code fits."""
