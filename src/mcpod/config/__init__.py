"""The config model, shared by the CLI (import/install/add) and the daemon.

Below both in the layers: it imports only `mcpod.protocol` (for `ConfigError`) and msgspec.
"""

from mcpod.config.diff import ConfigDiff, diff_configs
from mcpod.config.edit import edit_config, servers_of
from mcpod.config.load import default_config, load_config, parse_config, parse_servers
from mcpod.config.model import (
    DEFAULT_CALL_TIMEOUT_S,
    DEFAULT_IDLE_TIMEOUT_S,
    DEFAULT_STARTUP_TIMEOUT_S,
    MODES,
    Config,
    Mode,
    Profile,
    Scope,
    ServerConfig,
    Transport,
)
from mcpod.config.secrets import (
    MissingSecrets,
    SecretStore,
    looks_secret,
    references,
    resolve,
    secret_usage,
)
from mcpod.config.write import write_atomically

__all__ = [
    "DEFAULT_CALL_TIMEOUT_S",
    "DEFAULT_IDLE_TIMEOUT_S",
    "DEFAULT_STARTUP_TIMEOUT_S",
    "MODES",
    "Config",
    "ConfigDiff",
    "MissingSecrets",
    "Mode",
    "Profile",
    "Scope",
    "SecretStore",
    "ServerConfig",
    "Transport",
    "default_config",
    "diff_configs",
    "edit_config",
    "load_config",
    "looks_secret",
    "parse_config",
    "parse_servers",
    "references",
    "resolve",
    "secret_usage",
    "servers_of",
    "write_atomically",
]
