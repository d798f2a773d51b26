"""`mcpod service install|uninstall [--dry-run] [--no-start]`: run mcpod as a user service.

Linux: a systemd user socket unit (systemd owns `$XDG_RUNTIME_DIR/mcpod/mcpod.sock` and
starts the daemon on the first connection) plus the service unit. macOS: a LaunchAgent
whose `Sockets` entry does the same. Either way the shim works unchanged: it finds the
socket listening. The files in the repository's `systemd/` and `launchd/` directories
are these templates rendered with `@MCPOD@` and `@SOCKET@` placeholders.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

SOCKET_UNIT = """\
[Unit]
Description=mcpod socket: starts the mcpod daemon on the first connection

[Socket]
ListenStream=%t/mcpod/mcpod.sock
SocketMode=0600
DirectoryMode=0700

[Install]
WantedBy=sockets.target
"""

SERVICE_UNIT = """\
[Unit]
Description=mcpod: one per-user daemon for all your MCP servers
Requires=mcpod.socket
After=mcpod.socket

[Service]
Type=simple
ExecStart=@MCPOD@ daemon
# The PATH of the shell that ran `mcpod service install`: servers started with npx/uvx need it.
Environment=PATH=@PATH@
# SIGTERM (systemd's default stop) shuts mcpod down in order. Exit status 2 is a config
# error (fix the file, then `systemctl --user restart mcpod`); 3 lost the flock to a
# daemon already running.
Restart=on-failure
RestartPreventExitStatus=2 3

[Install]
WantedBy=default.target
"""

LAUNCH_AGENT = """\
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
  <key>Label</key>
  <string>io.mcpod.daemon</string>
  <key>ProgramArguments</key>
  <array>
    <string>@MCPOD@</string>
    <string>daemon</string>
  </array>
  <key>Sockets</key>
  <dict>
    <key>Listeners</key>
    <dict>
      <key>SockPathName</key>
      <string>@SOCKET@</string>
      <key>SockPathMode</key>
      <integer>384</integer>
    </dict>
  </dict>
  <key>EnvironmentVariables</key>
  <dict>
    <key>PATH</key>
    <string>@PATH@</string>
  </dict>
  <key>ProcessType</key>
  <string>Background</string>
</dict>
</plist>
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("install", "uninstall"))
    parser.add_argument("--dry-run", action="store_true", help="print the files and commands only")
    parser.add_argument("--no-start", action="store_true", help="write the files, start nothing")


def render(template: str, mcpod: str, socket_path: str, path: str) -> str:
    return (
        template.replace("@MCPOD@", mcpod).replace("@SOCKET@", socket_path).replace("@PATH@", path)
    )


def plan(action: str) -> tuple[dict[Path, str], list[list[str]]]:
    """The files to write (empty on uninstall) and the commands to run, for this OS."""
    from mcpod.protocol import resolve_paths

    beside = Path(sys.executable).with_name(
        "mcpod"
    )  # the mcpod running now, not whatever PATH finds
    mcpod = str(beside) if beside.exists() else shutil.which("mcpod") or "mcpod"
    values = (mcpod, str(resolve_paths().socket), os.environ.get("PATH", "/usr/bin:/bin"))
    if sys.platform == "darwin":
        agent = Path.home() / "Library" / "LaunchAgents" / "io.mcpod.daemon.plist"
        domain = f"gui/{os.getuid()}"
        if action == "install":
            return {agent: render(LAUNCH_AGENT, *values)}, [
                ["launchctl", "bootstrap", domain, str(agent)]
            ]
        return {agent: ""}, [["launchctl", "bootout", domain, str(agent)]]
    units = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "systemd" / "user"
    files = {
        units / "mcpod.socket": SOCKET_UNIT,
        units / "mcpod.service": render(SERVICE_UNIT, *values),
    }
    systemctl = ["systemctl", "--user"]
    if action == "install":
        return files, [
            [*systemctl, "daemon-reload"],
            [*systemctl, "enable", "--now", "mcpod.socket"],
        ]
    return {path: "" for path in files}, [
        [*systemctl, "disable", "--now", "mcpod.socket", "mcpod.service"],
        [*systemctl, "daemon-reload"],
    ]


def run(args: argparse.Namespace) -> int:
    if os.environ.get("MCPOD_HOME") and not args.dry_run:
        print(
            "mcpod service: MCPOD_HOME is set, but the service runs the default per-user daemon; "
            "unset MCPOD_HOME (and MCPOD_SOCKET) to install it",
            file=sys.stderr,
        )
        return 2
    files, commands = plan(args.action)
    if args.dry_run:
        for path, text in files.items():
            print(f"# {'write' if text else 'remove'} {path}\n{text}")
        for command in commands:
            print("$ " + " ".join(command))
        return 0
    if args.action == "install":
        _stop_running_daemon()  # the service manager must be able to take the socket path
        for path, text in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            print(f"wrote {path}")
    if args.no_start and args.action == "install":
        print("not started (--no-start); to start: " + " && ".join(" ".join(c) for c in commands))
        return 0
    failed = _run_all(commands if args.action == "install" else commands[:1])
    if args.action == "uninstall":
        for path in files:
            path.unlink(missing_ok=True)
            print(f"removed {path}")
        _run_all(commands[1:])
    return 1 if failed else 0


def _run_all(commands: list[list[str]]) -> bool:
    failed = False
    for command in commands:
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired) as exc:
            print(f"mcpod service: cannot run {' '.join(command)}: {exc}", file=sys.stderr)
            return True
        if result.returncode != 0:
            reason = result.stderr.strip() or f"exit status {result.returncode}"
            print(
                f"mcpod service: `{' '.join(command)}` failed: {reason}\n"
                "(no user service manager here? the shim starts the daemon on demand anyway)",
                file=sys.stderr,
            )
            failed = True
        else:
            print(f"ran {' '.join(command)}")
    return failed


def _stop_running_daemon() -> None:
    from mcpod.cli.stop import run as stop

    stop(argparse.Namespace(timeout=30.0))
