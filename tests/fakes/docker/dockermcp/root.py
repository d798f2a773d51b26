"""The `docker` entry point and the two `docker mcp` command trees (reference §2a, §2b)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

from . import db, gateway, legacy, profiles, secrets, toolscmd
from .cli import (
    CliError,
    Command,
    Flag,
    Invocation,
    NotImplementedByFake,
    exact_args,
    max_args,
    min_args,
    no_args,
    parse_invocation,
    print_help,
    resolve,
)
from .env import Env

DAEMON_DOWN = (
    "failed to ping Docker daemon: Cannot connect to the Docker daemon at "
    "unix:///var/run/docker.sock. Is the docker daemon running?"
)


def _bind(env: Env, func: Callable[[Env, Invocation], object]) -> Callable[[Invocation], int]:
    def handler(inv: Invocation) -> int:
        result = func(env, inv)
        return result if isinstance(result, int) else 0

    return handler


def _todo(inv: Invocation) -> int:
    raise NotImplementedByFake(inv.command.path)


def _obsolete(name: str, hint: str) -> Command:
    """`obsoleteCommand()` in root.go: flags are not parsed, always exit 1 (§0)."""

    def run(inv: Invocation) -> int:
        del inv
        raise CliError(f"This command is obsolete. {hint}")

    return Command(name, "Obsolete", run=run, disable_flag_parsing=True, hidden=True)


def _leaf(
    name: str, short: str, run: Callable[[Invocation], int] | None = None, **kw: Any
) -> Command:
    """A runnable command; real commands the double does not model exit 2 (`_todo`)."""
    return Command(name, short, run=run or _todo, **kw)


FORMAT_PROFILES = Flag("format", "string", default="human", usage="Supported: json, yaml, human.")


def _version_command(env: Env) -> Command:
    def run(inv: Invocation) -> int:
        del inv
        sys.stdout.write(env.version + "\n")
        return 0

    return Command(
        "version", "Show the version information", run=run, args=exact_args(0), skip_prerun=True
    )


def _tools_command(env: Env) -> Command:
    """`tools` with its persistent flags (§2a); enable/disable are obsolete in profiles mode."""
    tools = Command(
        "tools",
        "Manage tools",
        flags=[
            Flag(
                "format",
                "string",
                default="list",
                persistent=True,
                usage='Output format (json|list) (default "list")',
            ),
            Flag("verbose", persistent=True, usage="Verbose output"),
            Flag(
                "gateway-arg",
                "slice",
                persistent=True,
                usage="Additional arguments passed to the gateway",
            ),
            Flag(
                "version",
                "string",
                default="2",
                persistent=True,
                usage='Version of the gateway (default "2")',
            ),
        ],
    )
    tools.add(
        _leaf(
            "ls",
            "List tools",
            _bind(env, toolscmd.tools_ls),
            aliases=("list",),
            args=no_args("docker mcp tools ls"),
        ),
        _leaf(
            "count",
            "Count tools",
            _bind(env, toolscmd.tools_count),
            args=no_args("docker mcp tools count"),
        ),
        _leaf("inspect", "Inspect a tool", _bind(env, toolscmd.tools_inspect), args=exact_args(1)),
        _leaf("call", "Call a tool", _bind(env, toolscmd.tools_call)),
    )
    if env.profiles:
        hint = "See `docker mcp profile tools --help` instead."
        tools.add(_obsolete("enable", hint), _obsolete("disable", hint))
    else:
        server_flag = [
            Flag(
                "server",
                "string",
                usage="Specify which server provides the tools (optional, will auto-discover "
                "if not provided)",
            )
        ]
        tools.add(
            _leaf(
                "enable",
                "enable one or more tools",
                _bind(env, legacy.tools_enable),
                flags=list(server_flag),
                args=min_args(1),
            ),
            _leaf(
                "disable",
                "disable one or more tools",
                _bind(env, legacy.tools_disable),
                flags=list(server_flag),
                args=min_args(1),
            ),
        )
    return tools


def _gateway_command(env: Env) -> Command:
    """`gateway run` flags (`cmd/docker-mcp/commands/gateway.go`)."""
    flags = [
        Flag(
            "servers",
            "slice",
            usage="Names of the servers to enable (if non empty, ignore --registry flag)",
        ),
        Flag("enable-all-servers", usage="Enable all servers in the catalog"),
        Flag("catalog", "slice", usage="Catalog paths must resolve under ~/.docker/mcp/catalogs/"),
        Flag("additional-catalog", "slice"),
        Flag("registry", "slice"),
        Flag("additional-registry", "slice"),
        Flag("config", "slice"),
        Flag("additional-config", "slice"),
        Flag("tools-config", "slice"),
        Flag("additional-tools-config", "slice"),
        Flag("secrets", "string", default="docker-desktop"),
        Flag("tools", "slice", usage="List of tools to enable"),
        Flag("interceptor", "array"),
        Flag("oci-ref", "array"),
        Flag("mcp-registry", "slice"),
        Flag("port", "int", usage="TCP port to listen on (default is to listen on stdio)"),
        Flag("host", "string"),
        Flag("transport", "string", default="stdio", usage="stdio, sse or streaming."),
        Flag("allow-unauthenticated"),
        Flag("log-calls", default=True),
        Flag("block-secrets", default=True),
        Flag("block-network"),
        Flag("verify-signatures", default=True),
        Flag("dry-run", usage="Start the gateway but do not listen for connections"),
        Flag("verbose", usage="Verbose output"),
        Flag(
            "long-lived",
            usage="Containers are long-lived and will not be removed until the gateway is stopped",
        ),
        Flag("debug-dns"),
        Flag("watch", default=True),
        Flag("cpus", "int", default=1),
        Flag("memory", "string", default="2Gb"),
        Flag("static"),
        Flag("log", "string", hidden=True),
    ]
    if env.profiles:  # --profile exists only in profiles mode
        flags.insert(1, Flag("profile", "string", usage="Profile ID to use"))
    run = Command(
        "run",
        "Run the gateway",
        run=_bind(env, gateway.run),
        flags=flags,
        args=no_args("docker mcp gateway run"),
    )
    return Command("gateway", "Manage the MCP Server gateway").add(run)


def _secret_command(env: Env) -> Command:
    return Command("secret", "Manage secrets in the local OS Keychain").add(
        _leaf(
            "ls",
            "List all secrets from the local OS Keychain as well as any active Secrets Engine "
            "provider",
            _bind(env, secrets.secret_ls),
            flags=[Flag("json", usage="Print as JSON.")],
            args=no_args("docker mcp secret ls"),
        ),
        _leaf(
            "set",
            "Set a secret in the local OS Keychain",
            _bind(env, secrets.secret_set),
            flags=[Flag("provider", "string", hidden=True)],
            args=exact_args(1),
        ),
        _leaf(
            "rm",
            "Remove secrets from the local OS Keychain",
            _bind(env, secrets.secret_rm),
            flags=[Flag("all", usage="Remove all secrets")],
        ),
    )


def _common(env: Env) -> list[Command]:
    return [
        Command("client", "Manage MCP clients").add(
            _leaf("ls", "List client configurations"),
            _leaf("connect", "Connect the Docker MCP Toolkit to a client"),
            _leaf("disconnect", "Disconnect the Docker MCP Toolkit from a client"),
        ),
        Command("feature", "Manage experimental features").add(
            _leaf("ls", "List all available features and their status"),
            _leaf("enable", "Enable an experimental feature"),
            _leaf("disable", "Disable an experimental feature"),
        ),
        _gateway_command(env),
        Command("oauth", "Manage OAuth processes for MCP servers").add(
            _leaf("ls", "List available OAuth apps."),
            _leaf("authorize", "Authorize the specified OAuth app."),
            _leaf("revoke", "Revoke the specified OAuth app."),
        ),
        _secret_command(env),
        _server_command(env),
        _tools_command(env),
        _version_command(env),
    ]


def _server_command(env: Env) -> Command:
    server = Command("server", "Manage servers")
    if env.profiles:
        server.add(
            _obsolete("ls", "See `docker mcp profile server ls --help` instead."),
            _obsolete("enable", "See `docker mcp profile server add --help` instead."),
            _obsolete("disable", "See `docker mcp profile server remove --help` instead."),
            _obsolete("inspect", "See `docker mcp profile server inspect --help` instead."),
            _obsolete("reset", "See `docker mcp profile server --help` instead."),
        )
    else:
        server.add(
            _leaf(
                "ls",
                "List enabled servers",
                _bind(env, legacy.server_ls),
                aliases=("list",),
                flags=[Flag("json", usage="Output in JSON format")],
                args=no_args("docker mcp server ls"),
            ),
            _leaf(
                "enable",
                "Enable a server or multiple servers",
                _bind(env, legacy.server_enable),
                aliases=("add",),
                args=min_args(1),
            ),
            _leaf(
                "disable",
                "Disable a server or multiple servers",
                _bind(env, legacy.server_disable),
                aliases=("remove", "rm"),
                args=min_args(1),
            ),
            _leaf(
                "inspect",
                "Get information about a server or inspect an OCI artifact",
                _bind(env, legacy.server_inspect),
                args=exact_args(1),
            ),
            _leaf(
                "reset",
                "Disable all the servers",
                _bind(env, legacy.server_reset),
                args=no_args("docker mcp server reset"),
            ),
        )
    server.add(_leaf("init", "Initialize a new MCP server project"))
    return server


def _legacy_only(env: Env) -> list[Command]:
    fmt = Flag("format", "string", choices=("json", "yaml"), usage='Supported: "json", "yaml".')
    catalog_cmd = Command("catalog", "Manage MCP server catalogs", aliases=("catalogs",)).add(
        _leaf("bootstrap", "Bootstrap a new catalog"),
        _leaf("import", "Import a catalog from URL or file"),
        _leaf("export", "Export a catalog"),
        _leaf(
            "ls",
            "List all configured catalogs",
            _bind(env, legacy.catalog_ls),
            flags=[fmt],
            args=no_args("docker mcp catalog ls"),
        ),
        _leaf("rm", "Remove a catalog"),
        _leaf(
            "update",
            "Update a specific catalog or all catalogs if no name is specified",
            _bind(env, legacy.catalog_update),
            args=max_args(1),
        ),
        _leaf(
            "show", "Show a catalog", _bind(env, legacy.catalog_show), flags=[fmt], args=max_args(1)
        ),
        _leaf("fork", "Fork a catalog"),
        _leaf("create", "Create a new catalog"),
        _leaf("init", "Initialize the catalog"),
        _leaf("add", "Add a server to a catalog"),
        _leaf("reset", "Reset the catalog", aliases=("empty",)),
    )
    config_cmd = Command("config", "Manage the configuration").add(
        _leaf(
            "read",
            "Read the configuration",
            _bind(env, legacy.config_read),
            args=no_args("docker mcp config read"),
        ),
        _leaf(
            "write", "Write the configuration", _bind(env, legacy.config_write), args=exact_args(1)
        ),
        _leaf(
            "reset",
            "Reset the configuration",
            _bind(env, legacy.config_reset),
            args=no_args("docker mcp config reset"),
        ),
    )
    return [catalog_cmd, config_cmd]


def _profiles_only(env: Env) -> list[Command]:
    server_flag = Flag("server", "array", usage="Server to include specified with a URI")
    profile_server = Command("server", "Manage servers in profiles").add(
        _leaf(
            "ls",
            "List servers across profiles",
            _bind(env, profiles.profile_server_ls),
            aliases=("list",),
            flags=[Flag("filter", "array", short="f", usage="Filter output"), FORMAT_PROFILES],
            args=no_args("docker mcp profile server ls"),
        ),
        _leaf(
            "add",
            "Add MCP servers to a profile",
            _bind(env, profiles.profile_server_add),
            flags=[server_flag],
            args=exact_args(1),
        ),
        _leaf(
            "remove",
            "Remove MCP servers from a profile",
            _bind(env, profiles.profile_server_remove),
            aliases=("rm",),
            flags=[Flag("name", "array", usage="Server name to remove")],
            args=min_args(1),
        ),
    )
    profile = Command("profile", "Manage profiles").add(
        _leaf("export", "Export profile to file", args=exact_args(2)),
        _leaf("import", "Import profile from file", args=exact_args(1)),
        _leaf(
            "show",
            "Show profile",
            _bind(env, profiles.profile_show),
            args=exact_args(1),
            flags=[FORMAT_PROFILES, Flag("clients"), Flag("yq", "string")],
        ),
        _leaf(
            "list",
            "List profiles",
            _bind(env, profiles.profile_ls),
            aliases=("ls",),
            flags=[FORMAT_PROFILES],
            args=no_args("docker mcp profile list"),
        ),
        _leaf("push", "Push profile to OCI registry", args=exact_args(2)),
        _leaf("pull", "Pull profile from OCI registry", args=exact_args(1)),
        _leaf(
            "create",
            "Create a new profile of MCP servers",
            _bind(env, profiles.profile_create),
            flags=[
                Flag("name", "string"),
                Flag("id", "string"),
                server_flag,
                Flag("connect", "array"),
                Flag("from-template", "string"),
            ],
            args=no_args("docker mcp profile create"),
        ),
        _leaf(
            "remove",
            "Remove a profile",
            _bind(env, profiles.profile_rm),
            aliases=("rm",),
            args=exact_args(1),
        ),
        profile_server,
        _leaf("config", "Update the configuration of a profile", args=min_args(1)),
        _leaf("tools", "Manage tool allowlist for servers in a profile", args=exact_args(1)),
    )
    template = Command("template", "Manage starter profile templates").add(
        _leaf("list", "List available starter templates", aliases=("ls",)),
        _leaf("use", "Create a profile from a template"),
    )
    catalog_cmd = Command(
        "catalog", "Manage MCP server OCI catalogs", aliases=("catalogs", "catalog-next")
    ).add(
        _leaf(
            "create",
            "Create a new catalog from server references, a profile, legacy catalog, or "
            "community registry",
        ),
        _leaf(
            "show",
            "Show a catalog",
            _bind(env, profiles.catalog_show),
            args=exact_args(1),
            flags=[
                FORMAT_PROFILES,
                Flag("pull", "string", default="never"),
                Flag("no-tools"),
                Flag("yq", "string"),
            ],
        ),
        _leaf(
            "list",
            "List catalogs",
            _bind(env, profiles.catalog_ls),
            aliases=("ls",),
            flags=[FORMAT_PROFILES],
            args=no_args("docker mcp catalog list"),
        ),
        _leaf("remove", "Remove a catalog", aliases=("rm",)),
        _leaf("push", "Push a catalog to an OCI registry"),
        _leaf(
            "pull",
            "Pull a catalog from an OCI registry",
            _bind(env, profiles.catalog_pull),
            args=exact_args(1),
        ),
        _leaf("tag", "Create a tagged copy of a catalog"),
        Command("server", "Manage servers in catalogs").add(
            _leaf("ls", "List servers in a catalog"),
            _leaf("inspect", "Inspect a server in a catalog"),
            _leaf("add", "Add MCP servers to a catalog"),
            _leaf("remove", "Remove MCP servers from a catalog"),
        ),
    )
    config_stub = _obsolete("config", "See `docker mcp profile config --help` instead.")
    return [profile, template, catalog_cmd, config_stub]


def build_tree(env: Env) -> Command:
    root = Command(
        "mcp",
        "Manage MCP servers and clients",
        flags=[Flag("version", short="v", usage="Print version information and quit")],
    )
    era = _profiles_only(env) if env.profiles else _legacy_only(env)
    for cmd in sorted([*era, *_common(env)], key=lambda c: c.name):
        root.add(cmd)
    return root


# ------------------------------------------------------------------------------- running


def _under(cmd: Command, names: tuple[str, ...]) -> bool:
    node: Command | None = cmd
    while node is not None:
        if node.name in names:
            return True
        node = node.parent
    return False


def prerun(env: Env, cmd: Command) -> None:
    """PersistentPreRunE in root.go, in its order (§1 "Pre-run checks")."""
    if cmd.skip_prerun:
        return
    if _under(cmd, ("secret",)) and "no-docker-pass" in env.fail:
        raise CliError("docker pass has not been installed")
    if env.profiles and _under(cmd, ("catalog", "profile", "template")):
        db.connect(env).close()  # migrate.MigrateConfig
    if "daemon-down" in env.fail:
        raise CliError(DAEMON_DOWN)  # docker.RunningInDockerCE asks the engine (Linux)


def run_mcp(env: Env, args: list[str]) -> int:
    root = build_tree(env)
    inv = parse_invocation(resolve(root, args))
    cmd = inv.command
    if inv.values.get("help"):
        return print_help(cmd)
    if cmd is root:
        if inv.values.get("version"):
            sys.stdout.write(env.version + "\n")
            return 0
        if inv.args:
            raise CliError(f'unknown command "{inv.args[0]}" for "docker mcp"')
        return print_help(root)
    if cmd.run is None:  # a group: unknown subcommands print help, exit 0 (§1 trap)
        return print_help(cmd)
    if cmd.args is not None:
        problem = cmd.args(inv.args)
        if problem:
            raise CliError(problem)
    prerun(env, cmd)
    return cmd.run(inv) or 0


PLUGIN_METADATA = (  # `docker-mcp docker-cli-plugin-metadata` (§1 "Invocation")
    '{{"SchemaVersion":"0.1.0","Vendor":"Docker Inc.","Version":"{}",'
    '"ShortDescription":"Docker MCP Plugin"}}'
)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    env = Env.from_environ()
    prog = os.path.basename(argv[0]) if argv else "docker"
    args = argv[1:]
    env.record({"argv": args, "prog": prog, "ppid": os.getppid()})
    try:
        return _dispatch(env, prog, args)
    except CliError as err:
        sys.stdout.flush()
        sys.stderr.write(err.message + "\n")
        return err.code
    except BrokenPipeError:
        return 1


def _dispatch(env: Env, prog: str, args: list[str]) -> int:
    if prog == "docker-mcp":  # run standalone as the plugin binary (§1 "Invocation")
        if args[:1] == ["docker-cli-plugin-metadata"]:
            sys.stdout.write(PLUGIN_METADATA.format(env.version) + "\n")
            return 0
        return run_mcp(env, args)
    if not args:
        sys.stdout.write("Usage:  docker [OPTIONS] COMMAND\n")
        return 0
    if args[0] != "mcp" or "no-plugin" in env.fail:
        raise CliError(f"docker: '{args[0]}' is not a docker command.\nSee 'docker --help'")
    return run_mcp(env, args[1:])
