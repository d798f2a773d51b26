"""Entry point: parse the command line and run one command module (imported lazily)."""

from __future__ import annotations

import argparse
import importlib
import sys

from mcpod import __version__

COMMANDS = {
    "daemon": ("mcpod.cli.daemon_cmd", "run the daemon in the foreground"),
    "stop": ("mcpod.cli.stop", "ask the running daemon to stop, and wait until it has"),
    "status": ("mcpod.cli.status", "show the daemon, its sessions and servers"),
    "check": ("mcpod.cli.check", "open a real session through mcpod-shim and list its tools"),
    "servers": ("mcpod.cli.servers", "every server: configured, and from the Docker MCP Toolkit"),
    "start": ("mcpod.cli.servers_cmd", "start servers now and wait until they are up"),
    "restart": ("mcpod.cli.servers_cmd", "restart servers (every instance)"),
    "call": ("mcpod.cli.call", "call one tool of one server: mcpod call SERVER TOOL --args JSON"),
    "logs": ("mcpod.cli.logs", "the daemon's log, or a server's (-f follows)"),
    "doctor": ("mcpod.cli.doctor", "check the setup and say how to fix each problem"),
    "tools": ("mcpod.cli.tools", "list the catalog's tools (no server is started)"),
    "search": ("mcpod.cli.search", "search the catalog's tools"),
    "reload": ("mcpod.cli.reload", "read the config file again and apply what changed"),
    "add": ("mcpod.cli.add", "add a server: -- COMMAND ARGS..., -- docker run ..., or --url URL"),
    "remove": ("mcpod.cli.add", "remove a server from mcpod's config"),
    "auth": ("mcpod.cli.auth", "log in to a remote server (OAuth)"),
    "secret": ("mcpod.cli.secret", "store, list or delete the secrets configs refer to"),
    "import": ("mcpod.cli.import_cmd", "add the MCP servers of your AI clients to mcpod's config"),
    "install": ("mcpod.cli.install", "make a client use mcpod (one mcpod-shim entry)"),
    "uninstall": ("mcpod.cli.install", "put back a client's servers from its backup"),
    "shim": ("mcpod.cli.shim_cmd", "the stdio shim (same as mcpod-shim)"),
    "service": ("mcpod.cli.service", "install or remove mcpod as a systemd/launchd user service"),
}
# Commands that share a module with another: (arguments function, run function).
ENTRY_POINTS = {
    "start": ("add_start_arguments", "run_start"),
    "restart": ("add_restart_arguments", "run_restart"),
    "remove": ("add_remove_arguments", "run_remove"),
    "uninstall": ("add_uninstall_arguments", "run_uninstall"),
}


def _entry_points(name: str) -> tuple[str, str]:
    return ENTRY_POINTS.get(name, ("add_arguments", "run"))


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser; with `only`, that command's options alone are set up, so that a quick
    command (`mcpod status`) imports its own module and no other."""
    parser = argparse.ArgumentParser(
        prog="mcpod", description="One per-user daemon for all your MCP servers."
    )
    parser.add_argument("--version", action="version", version=f"mcpod {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module, help_text) in COMMANDS.items():
        command = sub.add_parser(name, help=help_text, description=help_text)
        if only is None or name == only:
            setup = getattr(importlib.import_module(module), _entry_points(name)[0])
            setup(command)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "shim":  # pass everything through untouched, as mcpod-shim does
        from mcpod.shim.__main__ import main as shim_main

        return shim_main(argv[1:])
    if argv in (["--version"], ["-V"]):  # without building the parser (every module)
        print(f"mcpod {__version__}")
        return 0
    first = next((a for a in argv if not a.startswith("-")), None)
    parser = build_parser(first if first in COMMANDS else None)
    # `mcpod add NAME [options] -- COMMAND ARGS...`: argparse cannot take options between a
    # positional and a `--`, so everything after the first `--` is the command, as it is.
    tail = argv[argv.index("--") + 1 :] if "--" in argv else None
    args = parser.parse_args(argv[: argv.index("--")] if tail is not None else argv)
    if tail is not None:
        if not hasattr(args, "words"):
            parser.error(f"mcpod {args.command}: unexpected `--`")
        args.words = [*args.words, *tail]
    if args.command is None:
        parser.print_help()
        return 2
    module = importlib.import_module(COMMANDS[args.command][0])
    code: int = getattr(module, _entry_points(args.command)[1])(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
