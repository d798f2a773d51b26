"""Implementation of the fake `docker mcp`; see ../fake_docker.py and reference §8."""
