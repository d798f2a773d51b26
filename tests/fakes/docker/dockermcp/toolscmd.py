"""`docker mcp tools ls|count|inspect|call` (both eras, reference §4.5).

Like the real plugin, each command spawns `docker mcp gateway run [--verbose] <--gateway-arg...>`
(the `docker` found on PATH) and talks MCP to it over stdio as client
`mcp-gateway-client` 1.0.0; so a test sees the gateway process, its containers and its argv in
`FAKE_DOCKER_CALLS`, exactly as with the real CLI.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from typing import IO, Any

from . import catalog
from .cli import CliError, Invocation, NotImplementedByFake
from .env import FAKE_DOCKER_PY, Env
from .gateway import DEFAULT_PROTOCOL_VERSION, go_duration
from .output import json_out, out, tip

CLIENT_INFO = {"name": "mcp-gateway-client", "version": "1.0.0"}


class _RpcFailure(Exception):
    def __init__(self, method: str, message: str) -> None:
        super().__init__(f'calling "{method}": {message}')


def _docker_argv(env: Env) -> list[str]:
    """`exec.Command("docker", ...)`: the PATH lookup; the double itself if none is found."""
    found = shutil.which("docker", path=env.environ.get("PATH", os.defpath))
    return [found] if found else [sys.executable, str(FAKE_DOCKER_PY)]


class GatewayClient:
    """A minimal go-sdk-like MCP client over a child process's stdio."""

    def __init__(self, env: Env, gateway_args: list[str], verbose: bool) -> None:
        argv = [*_docker_argv(env), "mcp", "gateway", "run"]
        argv += ["--verbose"] if verbose else []
        self.proc = subprocess.Popen(
            argv + gateway_args,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE if verbose else subprocess.DEVNULL,
            env=env.environ,
        )
        if verbose and self.proc.stderr is not None:
            threading.Thread(target=_prefix_lines, args=(self.proc.stderr,), daemon=True).start()
        self.next_id = 1

    def _send(self, message: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(message).encode() + b"\n")
        self.proc.stdin.flush()

    def request(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        msg_id = self.next_id
        self.next_id += 1
        try:
            self._send({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params})
        except BrokenPipeError:
            raise _RpcFailure(method, "connection closed: EOF") from None
        assert self.proc.stdout is not None
        for raw in iter(self.proc.stdout.readline, b""):
            try:
                message = json.loads(raw)
            except ValueError:
                head = raw[:1].decode(errors="replace")
                raise _RpcFailure(
                    method, f"invalid character '{head}' looking for beginning of value"
                ) from None
            if message.get("id") != msg_id:
                continue  # notifications such as tools/list_changed
            if "error" in message:
                raise _RpcFailure(method, str(message["error"].get("message", "")))
            return dict(message.get("result") or {})
        raise _RpcFailure(method, "EOF")

    def initialize(self) -> None:
        params = {
            "protocolVersion": DEFAULT_PROTOCOL_VERSION,
            "capabilities": {},
            "clientInfo": CLIENT_INFO,
        }
        self.request("initialize", params)
        self._send({"jsonrpc": "2.0", "method": "notifications/initialized", "params": {}})

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _prefix_lines(stream: IO[bytes]) -> None:
    """`--verbose`: the gateway's stderr, prefixed `- mcp-gateway: ` (§4.5)."""
    for line in iter(stream.readline, b""):
        sys.stderr.write("- mcp-gateway: " + line.decode(errors="replace"))
        sys.stderr.flush()


def _connect(env: Env, inv: Invocation) -> GatewayClient:
    if inv.get("version") != "2":
        raise NotImplementedByFake("docker mcp tools --version 1 (alpine/socat to port 8811)")
    client = GatewayClient(env, list(inv.get("gateway-arg")), bool(inv.get("verbose")))
    try:
        client.initialize()
    except _RpcFailure as err:
        client.close()
        raise CliError(f"starting client: {err}") from None
    return client


def _list(env: Env, inv: Invocation) -> list[dict[str, Any]]:
    client = _connect(env, inv)
    try:
        return list(client.request("tools/list", {}).get("tools") or [])
    except _RpcFailure as err:
        raise CliError(f"listing tools: {err}") from None
    finally:
        client.close()


def summary(tool: dict[str, Any]) -> str:
    """`toolDescription`: the annotation title, else the description's first sentence."""
    title = (tool.get("annotations") or {}).get("title")
    if title:
        return str(title)
    parts: list[str] = []
    for line in str(tool.get("description") or "").split("\n"):
        line = line.strip()
        if not line:
            continue
        if line in ("Error Responses:", "Returns:"):
            break
        if ". " in line:
            parts.append(line.split(". ", 1)[0] + ".")
            break
        parts.append(line)
        if line.endswith("."):
            break
    return " ".join(parts).strip()


def tools_ls(env: Env, inv: Invocation) -> None:
    tools = _list(env, inv)
    if inv.get("format") == "json":
        json_out(env, catalog.go_json(tools, indent=2) + "\n")
        return
    out(f"{len(tools)} tools:\n")
    for tool in tools:
        out(f" - {tool['name']} - {summary(tool)}\n")
    tip(
        env,
        "Tip: For tool details, use docker mcp tools inspect <tool-name>. To test the tool, use "
        "docker mcp tools call <tool-name>\n\n",
    )


def tools_count(env: Env, inv: Invocation) -> None:
    tools = _list(env, inv)
    if inv.get("format") == "json":
        json_out(env, f'{{"count": {len(tools)}}}\n')  # note the space after the colon
        return
    out(f"{len(tools)} tools\n")
    tip(env, "Tip: To see all available tools, use docker mcp tools ls\n\n")


def tools_inspect(env: Env, inv: Invocation) -> None:
    name = inv.args[0]
    found = next((t for t in _list(env, inv) if t.get("name") == name), None)
    if found is None:
        raise CliError(f"tool {name} not found")
    if inv.get("format") == "json":
        json_out(env, catalog.go_json(found, indent=2) + "\n")
        return
    out(f"Name: {found['name']}\nDescription: {found.get('description', '')}\n")
    if found.get("inputSchema") is not None:
        out("Input schema: Complex schema (detailed inspection not yet implemented)\n")


def parse_call_args(args: list[str]) -> dict[str, Any]:
    """`parseArgs`: `k=v` is always a string, bare `k` is null, repeats become an array."""
    parsed: dict[str, Any] = {}
    for arg in args:
        key, eq, value = arg.partition("=")
        item: Any = value if eq else None
        if key in parsed:
            previous = parsed[key]
            parsed[key] = [*previous, item] if isinstance(previous, list) else [previous, item]
        else:
            parsed[key] = item
    return parsed


def _as_text(result: dict[str, Any]) -> str:
    parts = []
    for content in result.get("content") or []:
        if content.get("type") == "text":
            parts.append(str(content.get("text", "")))
        else:
            parts.append(str(content))
    return "\n".join(parts)


def tools_call(env: Env, inv: Invocation) -> None:
    if not inv.args:
        raise CliError("no tool name provided")
    name = inv.args[0]
    client = _connect(env, inv)
    try:
        started = time.monotonic()
        try:
            result = client.request(
                # go-sdk marshals the arguments map, so its keys arrive sorted
                "tools/call",
                {"name": name, "arguments": catalog.sort_keys(parse_call_args(inv.args[1:]))},
            )
        except _RpcFailure as err:
            raise CliError(f"calling tool: {err}") from None
        out(f"Tool call took: {go_duration(time.monotonic() - started)}\n")
        sys.stdout.flush()
        if result.get("isError"):
            raise CliError(f"error calling tool {name}: {_as_text(result)}")
        out(_as_text(result) + "\n")
    finally:
        client.close()
