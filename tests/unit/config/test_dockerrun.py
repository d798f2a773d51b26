"""`docker run` lines as stdio servers: the catalog READMEs' own lines, and docker's flag
syntax (pflag) in its forms."""

from __future__ import annotations

import pytest

from mcpod.config.dockerrun import (
    fit_for_stdio,
    is_docker_run,
    parse_docker_run,
    split_command,
    split_secrets,
)
from mcpod.protocol import ConfigError

# Verbatim `args` of `"command": "docker"` entries in the READMEs of the Docker MCP
# catalog (../shared/catalog: docker-mcp-registry servers/*/README.md, fixture/readme).
README_LINES = {
    "okta-mcp-fctr": ["run", "-i", "--rm", "-e", "OKTA_CLIENT_ORGURL", "-e", "OKTA_API_TOKEN",
                      "fctrid/okta-mcp-server:stdio"],
    "simplechecklist": ["run", "-i", "--rm", "mayurkakade/mcp-server:latest", "--mode=mcp"],
    "grafana": ["run", "-i", "--rm", "-e", "GRAFANA_URL", "-e", "GRAFANA_API_KEY",
                "mcp/grafana", "--transport=stdio"],
    "sentry": ["run", "-i", "--rm", "-e", "SENTRY_AUTH_TOKEN", "mcp/sentry", "--auth-token",
               "$SENTRY_AUTH_TOKEN"],
    "stripe": ["run", "-i", "--rm", "-e", "STRIPE_SECRET_KEY", "mcp/stripe", "--tools=all"],
    "atlassian": ["run", "-i", "--rm", "-e", "CONFLUENCE_URL", "-e", "CONFLUENCE_USERNAME",
                  "-e", "JIRA_URL", "-e", "JIRA_USERNAME", "-e", "CONFLUENCE_API_TOKEN", "-e",
                  "CONFLUENCE_PERSONAL_TOKEN", "-e", "JIRA_API_TOKEN", "-e",
                  "JIRA_PERSONAL_TOKEN", "mcp/atlassian"],
}  # fmt: skip


@pytest.mark.parametrize("server", sorted(README_LINES))
def test_the_catalogs_own_lines_parse_and_come_back_unchanged(server: str) -> None:
    words = README_LINES[server]
    run = parse_docker_run(words[1:])
    assert fit_for_stdio(run) == [], "they already have -i and --rm"
    assert run.args() == words
    assert run.image == next(w for w in words[1:] if "/" in w)


def test_the_image_splits_options_from_the_containers_own_arguments() -> None:
    run = parse_docker_run(README_LINES["sentry"][1:])
    assert run.image == "mcp/sentry"
    assert run.arguments == ["--auth-token", "$SENTRY_AUTH_TOKEN"]
    assert run.env == [("SENTRY_AUTH_TOKEN", None)]


def test_a_readme_line_to_start_a_detached_http_server_is_refused_with_the_reason() -> None:
    # docker-mcp-registry servers/okta-mcp-fctr/README.md, "Start the HTTP container"
    line = (
        "docker run -d --name okta-mcp-http -p 3000:3000 -e OKTA_API_TOKEN=your_api_token "
        "-e OKTA_CLIENT_ORGURL=https://your-org.okta.com fctrid/okta-mcp-server:http"
    )
    words = split_command([line])
    assert is_docker_run(words)
    with pytest.raises(ConfigError, match=r"-d cannot serve MCP.*--url"):
        parse_docker_run(words[2:])


@pytest.mark.parametrize(
    ("words", "env", "image", "arguments"),
    [
        (["-it", "img"], [], "img", []),  # refused below; here only the shape matters
        (["-e", "A=1", "--env", "B", "--env=C=3", "-eD=4", "img", "x"],
         [("A", "1"), ("B", None), ("C", "3"), ("D", "4")], "img", ["x"]),
        (["-ie", "K=v", "img"], [("K", "v")], "img", []),
        (["--env-file", "/e.env", "-v", "/a:/b", "--mount", "type=bind,src=/x,dst=/y",
          "--name", "n", "--network", "host", "-p", "80:80", "-w", "/w", "--user", "1000",
          "img"], [], "img", []),
        (["--rm=true", "-i", "--", "img", "-e", "not-an-option"], [], "img",
         ["-e", "not-an-option"]),
    ],
)  # fmt: skip
def test_pflag_forms(
    words: list[str], env: list[tuple[str, str | None]], image: str, arguments: list[str]
) -> None:
    if "-it" in words:
        with pytest.raises(ConfigError, match="TTY"):
            parse_docker_run(words)
        return
    run = parse_docker_run(words)
    assert (run.env, run.image, run.arguments) == (env, image, arguments)


def test_a_quoted_line_keeps_its_quoted_values() -> None:
    words = split_command(["docker run -i --rm -e 'GREETING=hello world' img --say \"a b\""])
    run = parse_docker_run(words[2:])
    assert run.env == [("GREETING", "hello world")]
    assert run.arguments == ["--say", "a b"]


def test_i_and_rm_are_added_and_secret_values_are_split_out() -> None:
    run = parse_docker_run(["-e", "GITHUB_TOKEN=ghp_x", "-e", "LOG_LEVEL=debug", "mcp/github"])
    notes = fit_for_stdio(run)
    assert len(notes) == 2
    assert split_secrets(run) == {"GITHUB_TOKEN": "ghp_x"}
    assert run.args() == ["run", "-i", "--rm", "-e", "GITHUB_TOKEN", "-e", "LOG_LEVEL=debug",
                          "mcp/github"]  # fmt: skip


@pytest.mark.parametrize(
    ("words", "message"),
    [
        (["-t", "img"], "TTY"),
        (["--tty", "img"], "TTY"),
        (["-e"], "needs a value"),
        (["--name"], "needs a value"),
        (["-i", "--rm"], "no image"),
        (["-Z", "img"], "unknown flag -Z"),
        (["--rm=maybe", "img"], "takes no value"),
    ],
)
def test_what_cannot_work_is_refused_with_the_reason(words: list[str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_docker_run(words)
