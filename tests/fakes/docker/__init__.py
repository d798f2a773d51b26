"""A fake `docker` CLI with the `mcp` plugin (Docker MCP Toolkit), for tests.

`fixture.install_fake_docker()` puts it on PATH; `fake_docker.py` is the executable;
the implementation is the `dockermcp` package next to it; `data/` is the catalog it serves.
"""
