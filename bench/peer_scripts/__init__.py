"""The peers mcpod is compared with, each run as its docs describe (see bench/README)."""
