#!/usr/bin/env python3
"""The fake `docker` executable: `python fake_docker.py mcp server ls --json`.

A test double of the Docker CLI with the `mcp` plugin, modelled on
/work/shared/reference/DOCKER_MCP_CLI.md (mcp-gateway v0.27-v0.43). Run it through the
`docker` wrapper that `fixture.install_fake_docker()` writes. Stdlib only, so it runs with
whatever Python started it. The environment variables are documented in `dockermcp/env.py`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from dockermcp.root import main  # type: ignore[import-not-found]

    # The wrapper passes its own name, so a `docker-mcp` wrapper runs the standalone plugin.
    sys.exit(main([os.environ.get("FAKE_DOCKER_ARGV0", "docker"), *sys.argv[1:]]))
