"""`mcpod auth SERVER [--timeout S] [--port N] [--no-browser]`: log in to a remote server
that wants OAuth, and store its tokens in mcpod's secret store.

The authorization URL is printed (and opened in a browser where there is a display); the
browser comes back to `http://127.0.0.1:<port>/callback`, where this command waits, at
most `--timeout` seconds. A daemon picks the tokens up at the server's next use.

Exit status: 0 logged in, 1 not (the reason on stderr).
"""

from __future__ import annotations

import argparse
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("server", help="the server's name in mcpod's config")
    parser.add_argument(
        "--timeout",
        type=float,
        default=300.0,
        help="seconds to wait for the browser's redirect (default 300)",
    )
    parser.add_argument(
        "--port", type=int, default=0, help="the loopback port for the redirect (default: any)"
    )
    parser.add_argument(
        "--no-browser", action="store_true", help="only print the URL, never open a browser"
    )


def run(args: argparse.Namespace) -> int:
    import anyio

    from mcpod.config import SecretStore, load_config, resolve
    from mcpod.daemon.upstream.oauth import LoginFailed, login
    from mcpod.protocol import McpodError, resolve_paths

    paths = resolve_paths()
    try:
        config = load_config(paths.config_file)
    except McpodError as exc:
        print(f"mcpod auth: {exc.message}", file=sys.stderr)
        return 1
    server = config.servers.get(args.server)
    if server is None:
        known = ", ".join(sorted(config.servers)) or "none"
        print(
            f"mcpod auth: no server {args.server!r} in {paths.config_file} (known: {known})",
            file=sys.stderr,
        )
        return 1
    store = SecretStore(paths.secrets_file)
    try:
        server = resolve(server, store)  # its URL and headers may refer to secrets
    except McpodError as exc:
        print(f"mcpod auth: {exc.message}", file=sys.stderr)
        return 1

    async def main() -> None:
        await login(
            server,
            store,
            out=sys.stdout,
            timeout_s=args.timeout,
            port=args.port,
            browser=False if args.no_browser else None,
        )

    try:
        anyio.run(main)
    except LoginFailed as exc:
        print(f"mcpod auth: {args.server}: {exc.message}", file=sys.stderr)
        return 1
    except McpodError as exc:
        print(f"mcpod auth: {args.server}: {exc.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("mcpod auth: interrupted", file=sys.stderr)
        return 1
    print(f"logged in to {args.server}: tokens stored in {paths.secrets_file}", flush=True)
    return 0
