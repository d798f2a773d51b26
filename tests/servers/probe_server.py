"""A small real MCP server (the SDK's MCPServer over stdio) for behaviours the reference
servers cannot show on demand: it records cancellation, adds tools at run time (sending
tools/list_changed), reports progress, returns large results and tells its pid, cwd and
PATH."""

from __future__ import annotations

import json
import os
from pathlib import Path

import anyio
import mcp.types as types
from mcp import MCPError
from mcp.server.mcpserver import Context, MCPServer

server = MCPServer("probe")
MARKS = os.environ.get("PROBE_MARKS")


@server.tool()
async def whoami() -> str:
    """The server's process id."""
    return str(os.getpid())


@server.tool()
async def where() -> str:
    """Where this server runs: its pid, working directory and PATH, as JSON."""
    return json.dumps({"pid": os.getpid(), "cwd": os.getcwd(), "path": os.environ.get("PATH")})


@server.tool()
async def env_var(name: str) -> str:
    """The value of one environment variable of this server ("" if unset)."""
    return os.environ.get(name, "")


@server.tool()
async def sleep(seconds: float, tag: str = "") -> str:
    """Sleep; marker files named after the tag record that it started and if it was cancelled."""
    if MARKS:
        Path(MARKS, f"started-{tag}").write_text("started")
    try:
        await anyio.sleep(seconds)
    except anyio.get_cancelled_exc_class():
        if MARKS:
            Path(MARKS, f"cancelled-{tag}").write_text("cancelled")
        raise
    return "slept"


@server.tool()
async def count(steps: int, ctx: Context) -> str:
    """Report progress `steps` times."""
    for step in range(1, steps + 1):
        await ctx.report_progress(step, steps, f"step {step}")
        await anyio.sleep(0.01)
    return f"counted {steps}"


@server.tool()
async def add_tool(name: str, ctx: Context) -> str:
    """Register a new tool and announce it with tools/list_changed."""
    server.add_tool(lambda: f"I am {name}", name=name, description=f"{name}, added at run time")
    await ctx.session.send_tool_list_changed()
    return f"added {name}"


@server.tool()
async def say(message: str, ctx: Context) -> str:
    """Send `message` as a log notification while the request is in flight."""
    await ctx.info(message)
    await anyio.sleep(0.05)
    return "said"


@server.tool()
async def sample(prompt: str, ctx: Context, wait: float = 0) -> str:
    """After `wait` seconds, ask the client to sample `prompt`; its text, or why not."""
    await anyio.sleep(wait)
    message = types.SamplingMessage(
        role="user", content=types.TextContent(type="text", text=prompt)
    )
    try:
        result = await ctx.session.create_message([message], max_tokens=20)
    except MCPError as exc:
        return f"refused: {exc.error.code} {exc.error.message}"
    content = result.content
    return content.text if isinstance(content, types.TextContent) else str(content)


@server.tool()
async def blob(size: int) -> str:
    """A text result of `size` bytes."""
    return "x" * size


EXTRA = os.environ.get("PROBE_EXTRA_TOOL")
if EXTRA:  # a config change (this env var) changes the tool list: for re-indexing tests
    server.add_tool(
        lambda: EXTRA, name=EXTRA, description=f"The {EXTRA} tool for weather forecasts."
    )


if __name__ == "__main__":
    server.run()
