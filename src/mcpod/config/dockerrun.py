"""A `docker run ...` command line read as a stdio MCP server (`mcpod add NAME -- docker ...`).

Parsed the way docker's own flag parser (pflag) reads it: `--flag value`, `--flag=value`,
`-e VALUE`, `-eVALUE`, combined short flags (`-it`, `-ie KEY`), and the first word that
is not an option is the image, everything after it the container's arguments. The result
is the same command line made fit for MCP over stdio: `-i` added if missing, `-t` and
`-d` refused (a TTY rewrites the JSON-RPC stream; a detached container has no stdin),
`--rm` added so that stopped servers leave no containers behind; and each `-e KEY=VALUE`
whose key looks like a credential is split out, so the value can go to the secret store
and the line keeps only `-e KEY` (docker then reads it from the server's environment).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field

from mcpod.config.secrets import looks_secret
from mcpod.protocol import ConfigError

# docker run's boolean flags (no value), long and short.
BOOLEAN = {
    "--interactive", "--tty", "--detach", "--rm", "--init", "--privileged", "--read-only",
    "--publish-all", "--sig-proxy", "--no-healthcheck", "--oom-kill-disable", "--quiet",
    "--disable-content-trust", "--help",
}  # fmt: skip
SHORT_BOOLEAN = {"i": "--interactive", "t": "--tty", "d": "--detach", "P": "--publish-all",
                 "q": "--quiet"}  # fmt: skip
# Short flags that take a value.
SHORT_VALUE = {"e": "--env", "v": "--volume", "p": "--publish", "w": "--workdir",
               "u": "--user", "m": "--memory", "h": "--hostname", "l": "--label",
               "a": "--attach", "c": "--cpu-shares"}  # fmt: skip
REFUSED = {
    "--tty": "a TTY turns the server's JSON-RPC output into terminal output (CRLF line "
    "ends, echo); MCP over stdio needs a plain pipe: drop -t",
    "--detach": "a detached container has no stdin or stdout to speak MCP over: drop -d "
    "(for a server that listens on a port, add it with --url instead)",
}


@dataclass(frozen=True)
class Option:
    flag: str  # the long name, whatever was written (`--env` for `-e`)
    value: str | None  # None for a boolean flag
    spelled: str  # as written, for writing it back (`-e`, `--env`; `-i` out of `-it`)


@dataclass
class DockerRun:
    """A parsed `docker run` line: its options in order, the image and its arguments."""

    options: list[Option] = field(default_factory=list)
    image: str = ""
    arguments: list[str] = field(default_factory=list)

    def add(self, flag: str, value: str | None, spelled: str) -> None:
        self.options.append(Option(flag, value, spelled))

    @property
    def env(self) -> list[tuple[str, str | None]]:
        """The `-e` options as (KEY, VALUE or None when docker takes it from the env)."""
        pairs: list[tuple[str, str | None]] = []
        for option in self.options:
            if option.flag == "--env" and option.value is not None:
                key, sep, rest = option.value.partition("=")
                pairs.append((key, rest if sep else None))
        return pairs

    def args(self) -> list[str]:
        """The command line after `docker`, as the server config's `args`."""
        words = ["run"]
        for option in self.options:
            words += [option.spelled] if option.value is None else [option.spelled, option.value]
        return [*words, self.image, *self.arguments]


def is_docker_run(command: list[str]) -> bool:
    return len(command) >= 2 and command[0].rsplit("/", 1)[-1] == "docker" and command[1] == "run"


def split_command(words: list[str]) -> list[str]:
    """A command given as one quoted string (`"docker run -i ..."`) becomes its words."""
    if len(words) == 1 and " " in words[0]:
        try:
            return shlex.split(words[0])
        except ValueError as exc:
            raise ConfigError(f"cannot read the command line: {exc}") from None
    return words


def parse_docker_run(words: list[str]) -> DockerRun:
    """Parse the words after `docker run`; `ConfigError` says what is wrong with them."""
    run = DockerRun()
    index = 0
    while index < len(words):
        word = words[index]
        index += 1
        if word == "--":  # options end here: the image comes next
            if index < len(words):
                run.image, run.arguments = words[index], words[index + 1 :]
            break
        if word.startswith("--"):
            flag, sep, value = word.partition("=")
            if flag in BOOLEAN:
                if sep and value.lower() not in ("true", "false", "1", "0"):
                    raise ConfigError(f"docker run: {flag} takes no value (got {word!r})")
                if not sep or value.lower() in ("true", "1"):
                    run.add(flag, None, flag)
                continue
            if not sep:
                if index >= len(words):
                    raise ConfigError(f"docker run: {flag} needs a value")
                value = words[index]
                index += 1
            run.add(_long(flag), value, flag)
            continue
        if word.startswith("-") and len(word) > 1:
            index = _short_flags(word, words, index, run)
            continue
        run.image, run.arguments = word, words[index:]
        break
    if not run.image:
        raise ConfigError("docker run: no image given (the first word that is not an option)")
    _check(run)
    return run


def fit_for_stdio(run: DockerRun) -> list[str]:
    """Add what MCP over stdio needs (`-i`, `--rm`); return notes on what was added."""
    notes = []
    flags = {option.flag for option in run.options}
    if "--interactive" not in flags:
        run.options.insert(0, Option("--interactive", None, "-i"))
        notes.append("added -i: the server reads MCP from its stdin")
    if "--rm" not in flags:
        run.options.insert(1, Option("--rm", None, "--rm"))
        notes.append("added --rm: a stopped server leaves no container behind")
    return notes


def split_secrets(run: DockerRun) -> dict[str, str]:
    """Take secret-looking `-e KEY=VALUE` values out of the line (leaving `-e KEY`);
    return them by KEY, for the server's env (through the secret store)."""
    secrets: dict[str, str] = {}
    for position, option in enumerate(run.options):
        if option.flag != "--env" or option.value is None:
            continue
        key, sep, rest = option.value.partition("=")
        if sep and looks_secret(key):
            secrets[key] = rest
            run.options[position] = Option("--env", key, option.spelled)
    return secrets


def _short_flags(word: str, words: list[str], index: int, run: DockerRun) -> int:
    """`-it`, `-e KEY=V`, `-eKEY=V`, `-ie KEY`: booleans, then at most one value flag."""
    letters = word[1:]
    for position, letter in enumerate(letters):
        if letter in SHORT_BOOLEAN:
            run.add(SHORT_BOOLEAN[letter], None, f"-{letter}")
            continue
        if letter not in SHORT_VALUE:
            raise ConfigError(f"docker run: unknown flag -{letter} in {word!r}")
        rest = letters[position + 1 :]
        if rest:
            value = rest.removeprefix("=")
        elif index < len(words):
            value = words[index]
            index += 1
        else:
            raise ConfigError(f"docker run: -{letter} needs a value")
        run.add(SHORT_VALUE[letter], value, f"-{letter}")
        break
    return index


def _long(flag: str) -> str:
    return {"--net": "--network"}.get(flag, flag)


def _check(run: DockerRun) -> None:
    for option in run.options:
        if option.flag in REFUSED:
            raise ConfigError(
                f"docker run {option.spelled} cannot serve MCP: {REFUSED[option.flag]}"
            )
    for key, _ in run.env:
        if not key:
            raise ConfigError("docker run: -e needs KEY or KEY=VALUE")
