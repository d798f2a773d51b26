"""The meta-tools' arguments: one Struct per tool, which is both what `tools/call` decodes
(`msgspec.convert`) and the `inputSchema` the tool advertises (`msgspec.json.schema`).

Descriptions are short on purpose: every byte of the definitions is in the model's
context in `lazy` mode, and the seven together stay under 1,000 tokens.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

NonEmpty = Annotated[str, msgspec.Meta(min_length=1)]
ServerNames = Annotated[list[str], msgspec.Meta(min_length=1, description="Server names.")]


class CatalogArgs(msgspec.Struct, frozen=True):
    category: str = ""


class SearchArgs(msgspec.Struct, frozen=True):
    query: NonEmpty
    limit: int = 8


class ServerInfoArgs(msgspec.Struct, frozen=True):
    server: NonEmpty


class ActivateArgs(msgspec.Struct, frozen=True):
    servers: ServerNames


class DeactivateArgs(msgspec.Struct, frozen=True):
    servers: ServerNames


class CallArgs(msgspec.Struct, frozen=True):
    server: NonEmpty
    tool: NonEmpty
    arguments: dict[str, Any] = {}


class ActivateForTaskArgs(msgspec.Struct, frozen=True):
    task: NonEmpty
    max_servers: int = 2


# name -> (arguments, description)
META: dict[str, tuple[type[msgspec.Struct], str]] = {
    "mcpod_catalog": (
        CatalogArgs,
        "List the MCP servers you can use, by category: status, tool count, token cost, "
        "credentials. Start here; then mcpod_search or mcpod_activate.",
    ),
    "mcpod_search": (
        SearchArgs,
        "Find tools for what you want to do, across all servers. Returns ranked server/tool "
        "names with one-line descriptions and token costs.",
    ),
    "mcpod_server_info": (
        ServerInfoArgs,
        "Describe one server and all its tools, without starting it.",
    ),
    "mcpod_activate": (
        ActivateArgs,
        "Add servers' tools to your tool list. If they do not appear, call them with mcpod_call.",
    ),
    "mcpod_deactivate": (DeactivateArgs, "Remove servers' tools from your tool list."),
    "mcpod_call": (CallArgs, "Call any tool of any server, activated or not."),
    "mcpod_activate_for_task": (
        ActivateForTaskArgs,
        "Describe your task; activates the servers that fit it and lists their tools.",
    ),
}


def input_schema(kind: type[msgspec.Struct]) -> dict[str, Any]:
    """The Struct's JSON schema, inlined (no `$ref`) and without the Struct's title."""
    (schema,), components = msgspec.json.schema_components([kind], ref_template="{name}")
    inlined: dict[str, Any] = dict(components[schema["$ref"]])
    inlined.pop("title", None)
    if not inlined.get("required"):
        inlined.pop("required", None)
    return inlined


META_TOOLS: list[dict[str, Any]] = [
    {"name": name, "description": description, "inputSchema": input_schema(kind)}
    for name, (kind, description) in META.items()
]
META_NAMES = frozenset(META)


def decode_arguments(name: str, arguments: Any) -> msgspec.Struct:
    """The tool's arguments as its Struct; `ValueError` says which argument is wrong.

    Lenient where models often slip: numbers as strings, one server name for a list.
    """
    kind = META[name][0]
    if arguments is None:
        arguments = {}
    if isinstance(arguments, dict) and isinstance(arguments.get("servers"), str):
        arguments = {**arguments, "servers": [arguments["servers"]]}
    try:
        return msgspec.convert(arguments, kind, strict=False)
    except msgspec.ValidationError as exc:
        raise ValueError(_readable(str(exc))) from None


def _readable(message: str) -> str:
    what, _, where = message.partition(" - at `$.")
    what = what[:1].lower() + what[1:]
    field = where.rstrip("`").split("[")[0].split(".")[0]
    if what.startswith("object missing required field"):
        return f"'{what.split('`')[1]}' is required."
    return f"'{field}': {what.replace('`', '')}." if field else f"{what.replace('`', '')}."
