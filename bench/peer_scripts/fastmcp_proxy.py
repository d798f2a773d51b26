"""The fastmcp proxy as the shared daemon: one long-lived, connected backend `Client` over
the three servers (the reuse its docs recommend, instead of a fresh backend session per
request), served over streamable HTTP. Run with the fastmcp peer's own interpreter:

    bench/.peers/fastmcp/bin/python bench/peer_scripts/fastmcp_proxy.py CONFIG.json PORT
"""

import asyncio
import json
import sys

from fastmcp import Client
from fastmcp.server import create_proxy


async def main(config: dict[str, object], port: int) -> None:
    async with Client(config) as backend:  # connected once, reused by every request
        proxy = create_proxy(backend, name="fastmcp-proxy")
        await proxy.run_async(transport="http", host="127.0.0.1", port=port, show_banner=False)


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        asyncio.run(main(json.load(f), int(sys.argv[2])))
