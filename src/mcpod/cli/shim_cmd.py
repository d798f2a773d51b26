"""`mcpod shim`: an alias of `mcpod-shim` (handled in main before argparse)."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--mode", choices=("lazy", "all"))
    parser.add_argument("--profile")


def run(args: argparse.Namespace) -> int:
    from mcpod.shim.__main__ import main

    return main([])
