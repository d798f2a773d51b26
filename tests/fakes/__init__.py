"""Test doubles for external programs that mcpod talks to (used by tests only)."""
