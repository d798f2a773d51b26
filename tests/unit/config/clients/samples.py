"""Sample config files of every client, as users have them: comments where the format
allows them, unrelated keys, credentials, and one server of each kind of outcome."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from mcpod.config.clients import CLIENTS, Context

# mcpod's default config has `time` running this; a client entry identical to it is a
# duplicate (under another name too).
DEFAULT_TIME = {"command": sys.executable, "args": ["-m", "mcp_server_time"]}
SECRETS = ("ghp_SAMPLE_SECRET_1", "SAMPLE_SECRET_2", "sk-SAMPLE_SECRET_3")


@dataclass
class Sample:
    text: str
    expected: dict[str, str]  # server name in the client -> import action
    project: str | None = None  # the project-level file, if the client has one
    project_expected: dict[str, str] = field(default_factory=dict)


def _json(value: object) -> str:
    return json.dumps(value, indent=2) + "\n"


CLAUDE_DESKTOP = Sample(
    _json(
        {
            "globalShortcut": "Ctrl+Space",
            "mcpServers": {
                "github": {
                    "command": "npx",
                    "args": ["-y", "@modelcontextprotocol/server-github"],
                    "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": SECRETS[0], "LOG_LEVEL": "info"},
                },
                "clock": DEFAULT_TIME,
                "time": {"command": "uvx", "args": ["mcp-server-time"]},
                "broken": {"args": ["no-command"]},
                "mcpod": {"command": "/opt/mcpod/bin/mcpod-shim", "args": []},
            },
            "preferences": {"theme": "dark"},
        }
    ),
    {"github": "add", "clock": "duplicate", "time": "conflict", "broken": "unusable"}
    | {"mcpod": "self"},
)

CURSOR = Sample(
    """{
  "mcpServers": {
    "remote": {
      "url": "https://mcp.example.com/mcp",
      "headers": {"Authorization": "Bearer SAMPLE_SECRET_2", "X-Team": "core"}
    },
    "events": {"url": "https://mcp.example.com/sse"},
    "dotenv": {"command": "node", "args": ["server.js"], "envFile": "/home/u/.env"},
    "time": {"command": "python3", "args": ["-m", "mcp_server_time"]}
  },
  "someCursorSetting": true
}
""",
    {"remote": "add", "events": "add", "dotenv": "unusable", "time": "conflict"},
    project=_json({"mcpServers": {"local-tool": {"command": "./bin/tool", "args": ["--stdio"]}}}),
    project_expected={"local-tool": "add"},
)

CLAUDE_CODE = Sample(
    """{
  "numStartups": 42,
  "installMethod": "npm",
  "autoUpdates": true,
  "tipsHistory": {"memory": 3},
  "projects": {
    "@CWD@": {
      "allowedTools": [],
      "mcpServers": {
        "project-db": {"type": "stdio", "command": "pg-mcp", "args": ["--db", "app"], "env": {}}
      },
      "hasTrustDialogAccepted": true
    },
    "/some/other/project": {"mcpServers": {"elsewhere": {"command": "x"}}}
  },
  "mcpServers": {
    "notion": {
      "type": "http",
      "url": "https://mcp.notion.com/mcp",
      "headers": {"Authorization": "Bearer ${NOTION_TOKEN}"}
    },
    "search": {"type": "stdio", "command": "npx", "args": ["-y", "search-mcp"],
               "env": {"SEARCH_API_KEY": "sk-SAMPLE_SECRET_3"}},
    "fallback": {"type": "sse", "url": "${BASE_URL:-https://h.example.com}/sse"},
    "self": {"type": "stdio", "command": "mcpod", "args": ["shim"]}
  },
  "userID": "abc123"
}
""",
    {"notion": "add", "search": "add", "fallback": "unusable", "self": "self"},
    project=_json({"mcpServers": {"team": {"type": "stdio", "command": "team-mcp"}}}),
    project_expected={"project-db": "add", "team": "add"},  # local scope, then .mcp.json
)

VSCODE = Sample(
    """// VS Code user MCP servers
{
  "inputs": [
    {"type": "promptString", "id": "api-token", "description": "API token", "password": true},
  ],
  "servers": {
    /* the GitHub server, remote */
    "gh": {
      "type": "http",
      "url": "https://api.githubcopilot.com/mcp/",
      "headers": {"Authorization": "Bearer ${input:api-token}"},
    },
    "memory": {"type": "stdio", "command": "npx", "args": ["-y", "@mcp/memory"],},
    "files": {"type": "stdio", "command": "fs-mcp", "args": ["${workspaceFolder}"]},
    "home": {"type": "stdio", "command": "${userHome}/bin/home-mcp"},
  },
}
""",
    {"gh": "unusable", "memory": "add", "files": "unusable", "home": "add"},
    project="""{
  // this project's servers
  "servers": {
    "files": {"type": "stdio", "command": "fs-mcp", "args": ["${workspaceFolder}"]},
  },
}
""",
    project_expected={"files": "add"},
)

WINDSURF = Sample(
    _json(
        {
            "mcpServers": {
                "tidewave": {"serverUrl": "http://localhost:4000/tidewave/mcp"},
                "paused": {"command": "slow-mcp", "disabled": True},
                "clock": DEFAULT_TIME,
            }
        }
    ),
    {"tidewave": "add", "paused": "add", "clock": "duplicate"},
)

CODEX = Sample(
    """# Codex CLI config
model = "o3"  # the model
approval_policy = "on-request"

# documentation server
[mcp_servers.docs]
command = "uvx"   # runs it
args = ["docs-mcp", "--stdio"]
env = { DOCS_API_KEY = "SAMPLE_SECRET_2", REGION = "eu" }
env_vars = ["HOME_DIR"]
startup_timeout_sec = 20

[mcp_servers.linear]
url = "https://mcp.linear.app/mcp"
bearer_token_env_var = "LINEAR_TOKEN"
tool_timeout_sec = 90
enabled_tools = ["create_issue"]

[mcp_servers.nothing]
enabled = false

[profiles.fast]
model = "gpt-5"
# the end
""",
    {"docs": "add", "linear": "add", "nothing": "unusable"},
)

GEMINI = Sample(
    """{
  // Gemini CLI settings
  "theme": "GitHub",
  "selectedAuthType": "oauth-personal",
  "mcpServers": {
    "cloudrun": {"httpUrl": "https://my-service.run.app/mcp", "timeout": 30000, "trust": false},
    "legacy": {"url": "http://localhost:8080/sse"},
    "py": {"command": "python", "args": ["-m", "my_server"], "cwd": "./srv",
           "env": {"API_TOKEN": "$MY_TOKEN", "MODE": "dev"}},
    "clock": {"command": "@PYTHON@", "args": ["-m", "mcp_server_time"]},
  },
}
""",
    {"cloudrun": "add", "legacy": "add", "py": "add", "clock": "duplicate"},
)

SAMPLES = {
    "claude-desktop": CLAUDE_DESKTOP,
    "cursor": CURSOR,
    "claude-code": CLAUDE_CODE,
    "vscode": VSCODE,
    "windsurf": WINDSURF,
    "codex": CODEX,
    "gemini": GEMINI,
}
# A malformed file of each format, and the line the error must name.
MALFORMED = {
    "json": ('{\n  "mcpServers": {\n    "a": {"command": "x"}\n    "b": {}\n  }\n}\n', 4),
    "jsonc": ('{\n  // c\n  "mcpServers": {\n    "a": {"command": \'x\'}\n  }\n}\n', 4),
    "toml": ('model = "o3"\n\n[mcp_servers.a\ncommand = "x"\n', 3),
}


def write_sample(name: str, ctx: Context) -> tuple[Path, Path | None]:
    """Write `name`'s sample files into `ctx`'s home and cwd; return (user, project)."""
    spec, sample = CLIENTS[name], SAMPLES[name]
    user = spec.user_file(ctx)
    user.parent.mkdir(parents=True, exist_ok=True)
    text = sample.text.replace("@CWD@", str(ctx.cwd)).replace("@PYTHON@", sys.executable)
    user.write_text(text)
    project = None
    if sample.project is not None:
        project = spec.project_files(ctx)[0]
        project.parent.mkdir(parents=True, exist_ok=True)
        project.write_text(sample.project)
    return user, project
