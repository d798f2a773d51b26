"""A minimal stand-in for `systemd-socket-activate -l PATH -E K=V... CMD...`, used when
systemd's tool is not installed: bind and listen on PATH, pass it as fd 3 with
LISTEN_FDS=1 and LISTEN_PID=<own pid>, then exec CMD (exec keeps the pid)."""

from __future__ import annotations

import os
import socket
import sys


def main(argv: list[str]) -> None:
    path, env, rest = None, {}, list(argv)
    while rest and rest[0] in ("-l", "-E"):
        flag, value = rest.pop(0), rest.pop(0)
        if flag == "-l":
            path = value
        else:
            key, _, val = value.partition("=")
            env[key] = val
    assert path and rest, "usage: socket_activate.py -l PATH [-E K=V]... CMD..."
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(path)
    sock.listen(64)
    if sock.fileno() != 3:
        os.dup2(sock.fileno(), 3)
    os.set_inheritable(3, True)  # dup2 onto itself would keep close-on-exec
    os.environ.update(env, LISTEN_FDS="1", LISTEN_PID=str(os.getpid()))
    os.execvp(rest[0], rest)


if __name__ == "__main__":
    main(sys.argv[1:])
