"""A cobra/pflag look-alike: the command tree, flag parsing, help text and error exits.

The real plugin is a cobra program run by the Docker CLI plugin framework, and a caller sees
that framework's conventions (reference §1 "Errors and exit codes"):

- errors from a command go to stderr as the bare message, exit 1;
- flag errors go through the Docker CLI `FlagErrorFunc`: the message, then
  `See 'docker mcp <path> --help'.`, exit 125;
- a group command (one with subcommands and no action) given an unknown subcommand prints its
  help to stdout and exits 0 (cobra's not-runnable / `flag.ErrHelp` path);
- wrong argument counts are cobra's `accepts 1 arg(s), received 0` style messages, exit 1.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

HELP_HEADER = "Docker MCP Toolkit's CLI - Manage your MCP servers and clients."


class CliError(Exception):
    """An error a command returns: printed bare on stderr (§1)."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class FlagError(Exception):
    """A pflag parsing error: exit 125 with the `See '... --help'.` line (§1)."""


class NotImplementedByFake(CliError):
    """A real subcommand this double does not model; exit 2 so a test notices at once."""

    def __init__(self, path: str) -> None:
        super().__init__(f"fake docker: `{path}` is not implemented by the test double", 2)


@dataclass
class Flag:
    """One pflag flag. `kind` is bool, string, int, slice (comma-split) or array (repeatable)."""

    name: str
    kind: str = "bool"
    short: str = ""
    default: Any = None
    usage: str = ""
    persistent: bool = False
    choices: tuple[str, ...] = ()  # rejected at parse time like a pflag.Value (exit 125)
    hidden: bool = False

    def initial(self) -> Any:
        if self.kind in ("slice", "array"):
            return list(self.default or [])
        if self.kind == "bool":
            return bool(self.default)
        return self.default if self.default is not None else ("" if self.kind == "string" else 0)


Handler = Callable[["Invocation"], int | None]


@dataclass
class Command:
    """A cobra command; a command without `run` is a group that only shows help."""

    name: str
    short: str = ""
    aliases: tuple[str, ...] = ()
    flags: list[Flag] = field(default_factory=list)
    run: Handler | None = None
    args: Callable[[list[str]], str | None] | None = None  # returns an error message
    children: list[Command] = field(default_factory=list)
    disable_flag_parsing: bool = False
    hidden: bool = False
    skip_prerun: bool = False  # `version` skips the Docker Desktop / engine checks (§1)
    parent: Command | None = field(default=None, repr=False)

    def add(self, *children: Command) -> Command:
        for child in children:
            child.parent = self
            self.children.append(child)
        return self

    def find(self, word: str) -> Command | None:
        for child in self.children:
            if word == child.name or word in child.aliases:
                return child
        return None

    @property
    def path(self) -> str:
        """`docker mcp tools ls`: the primary names, even when an alias was typed (§1)."""
        names = []
        node: Command | None = self
        while node is not None:
            names.append(node.name)
            node = node.parent
        return "docker " + " ".join(reversed(names))

    def all_flags(self) -> list[Flag]:
        """Local flags plus the persistent flags of the ancestors, plus `-h/--help`."""
        found = list(self.flags)
        node = self.parent
        while node is not None:
            found.extend(f for f in node.flags if f.persistent)
            node = node.parent
        found.append(Flag("help", short="h", usage=f"help for {self.name}"))
        return found


@dataclass
class Invocation:
    """What a handler gets: the resolved command, its flag values and positional args."""

    command: Command
    values: dict[str, Any]
    args: list[str]
    changed: set[str]

    def get(self, name: str) -> Any:
        return self.values[name]


# ------------------------------------------------------------------------------- arg checks


def no_args(cmd_path: str) -> Callable[[list[str]], str | None]:
    def check(args: list[str]) -> str | None:
        return f'unknown command "{args[0]}" for "{cmd_path}"' if args else None

    return check


def exact_args(n: int) -> Callable[[list[str]], str | None]:
    def check(args: list[str]) -> str | None:
        return None if len(args) == n else f"accepts {n} arg(s), received {len(args)}"

    return check


def min_args(n: int) -> Callable[[list[str]], str | None]:
    def check(args: list[str]) -> str | None:
        if len(args) >= n:
            return None
        return f"requires at least {n} arg(s), only received {len(args)}"

    return check


def max_args(n: int) -> Callable[[list[str]], str | None]:
    def check(args: list[str]) -> str | None:
        return None if len(args) <= n else f"accepts at most {n} arg(s), received {len(args)}"

    return check


# ----------------------------------------------------------------------------- flag parsing


class _FlagParser:
    """pflag semantics: interspersed flags, `--x=v`, `--x v`, `-x v`, `-xv`, `--` stops."""

    def __init__(self, flags: list[Flag]) -> None:
        self.long = {f.name: f for f in flags}
        self.short = {f.short: f for f in flags if f.short}
        self.values = {f.name: f.initial() for f in flags}
        self.changed: set[str] = set()
        self.args: list[str] = []

    def parse(self, tokens: list[str]) -> None:
        i = 0
        while i < len(tokens):
            token = tokens[i]
            if token == "--":
                self.args.extend(tokens[i + 1 :])
                return
            if token.startswith("--"):
                i = self._long(tokens, i)
            elif token.startswith("-") and token != "-":
                i = self._short(tokens, i)
            else:
                self.args.append(token)
                i += 1

    def _long(self, tokens: list[str], i: int) -> int:
        name, eq, inline = tokens[i][2:].partition("=")
        flag = self.long.get(name)
        if flag is None:
            raise FlagError(f"unknown flag: --{name}")
        if flag.kind == "bool":
            self._set(flag, inline if eq else "true", f"--{name}")
            return i + 1
        if eq:
            self._set(flag, inline, f"--{name}")
            return i + 1
        if i + 1 >= len(tokens):
            raise FlagError(f"flag needs an argument: --{name}")
        self._set(flag, tokens[i + 1], f"--{name}")
        return i + 2

    def _short(self, tokens: list[str], i: int) -> int:
        letters = tokens[i][1:]
        for pos, letter in enumerate(letters):
            flag = self.short.get(letter)
            if flag is None:
                raise FlagError(f"unknown shorthand flag: '{letter}' in -{letters}")
            rest = letters[pos + 1 :]
            if flag.kind == "bool":
                self._set(flag, "true", f"-{letter}")
                continue
            if rest:
                self._set(flag, rest.removeprefix("="), f"-{letter}")
                return i + 1
            if i + 1 >= len(tokens):
                raise FlagError(f"flag needs an argument: '{letter}' in -{letters}")
            self._set(flag, tokens[i + 1], f"-{letter}")
            return i + 2
        return i + 1

    def _set(self, flag: Flag, raw: str, spelled: str) -> None:
        self.changed.add(flag.name)
        if flag.kind == "bool":
            if raw not in ("true", "false", "1", "0", "t", "f", "TRUE", "FALSE", "True", "False"):
                raise FlagError(
                    f'invalid argument "{raw}" for "{spelled}" flag: '
                    f'strconv.ParseBool: parsing "{raw}": invalid syntax'
                )
            self.values[flag.name] = raw in ("true", "1", "t", "TRUE", "True")
        elif flag.kind == "int":
            try:
                self.values[flag.name] = int(raw)
            except ValueError:
                raise FlagError(
                    f'invalid argument "{raw}" for "{spelled}" flag: '
                    f'strconv.ParseInt: parsing "{raw}": invalid syntax'
                ) from None
        elif flag.kind == "slice":
            self._extend(flag, [part for part in raw.split(",")] if raw else [])
        elif flag.kind == "array":
            self._extend(flag, [raw])
        else:
            if flag.choices and raw not in flag.choices:
                allowed = ", ".join(f'"{c}"' for c in flag.choices)
                raise FlagError(
                    f'invalid argument "{raw}" for "{spelled}" flag: must be one of {allowed}'
                )
            self.values[flag.name] = raw

    def _extend(self, flag: Flag, items: list[str]) -> None:
        # pflag replaces the default on first use, then appends.
        if f"{flag.name}\0seen" not in self.changed:
            self.values[flag.name] = []
            self.changed.add(f"{flag.name}\0seen")
        self.values[flag.name].extend(items)


# ------------------------------------------------------------------------------------- help


def help_text(cmd: Command) -> str:
    """The plugin's brief help template (`root.go` helpTemplate)."""
    lines = [HELP_HEADER, "", f"Usage: {cmd.path} [flags]", "", "Flags:"]
    flags = sorted((f for f in cmd.all_flags() if not f.hidden), key=lambda f: f.name)
    heads = [_flag_head(f) for f in flags]
    width = max(len(h) for h in heads)
    lines += [f"{h.ljust(width)}   {f.usage}".rstrip() for h, f in zip(heads, flags, strict=True)]
    children = [c for c in cmd.children if not c.hidden]
    if children:
        width = max(11, *(len(c.name) for c in children))
        lines += ["", "Available Commands:"]
        lines += [f"  {c.name.ljust(width)} {c.short}" for c in children]
    return "\n".join(lines) + "\n\n"


def _flag_head(flag: Flag) -> str:
    """pflag FlagUsages: `  -f, --format string` (usage columns are aligned)."""
    short = f"-{flag.short}, " if flag.short else "    "
    kind = {"string": " string", "int": " int", "slice": " strings", "array": " stringArray"}
    return f"  {short}--{flag.name}{kind.get(flag.kind, '')}"


# --------------------------------------------------------------------------------- dispatch


@dataclass
class Resolved:
    """The command a token list selects, and the tokens left for its flags and args."""

    command: Command
    rest: list[str]


def resolve(root: Command, tokens: list[str]) -> Resolved:
    """Walk subcommand names like cobra's Find (flags may come before a subcommand)."""
    cmd = root
    rest: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if cmd.disable_flag_parsing:
            rest.extend(tokens[i:])
            break
        if token.startswith("-"):
            rest.append(token)
            i += 1
            continue
        child = cmd.find(token)
        if child is None:
            rest.extend(tokens[i:])
            break
        cmd = child
        i += 1
    return Resolved(cmd, rest)


def parse_invocation(resolved: Resolved) -> Invocation:
    cmd = resolved.command
    if cmd.disable_flag_parsing:
        return Invocation(cmd, {}, resolved.rest, set())
    parser = _FlagParser(cmd.all_flags())
    try:
        parser.parse(resolved.rest)
    except FlagError as err:
        raise CliError(f"{err}\nSee '{cmd.path} --help'.", 125) from None
    return Invocation(cmd, parser.values, parser.args, parser.changed)


def print_help(cmd: Command) -> int:
    sys.stdout.write(help_text(cmd))
    return 0
