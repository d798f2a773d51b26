"""`mcpod shim`: an alias of `mcpod-shim`.

`mcpod.cli.main` hands `mcpod shim ...` to the shim before argparse sees it (the shim
parses its own arguments, stdlib only); this module only declares them for `--help`.
"""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--mode", choices=("lazy", "all"))
    parser.add_argument("--profile")
