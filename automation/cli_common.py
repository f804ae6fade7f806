"""What every command shares: exit codes and an argparse parser that exits 2 with one clear line."""

from __future__ import annotations

import argparse
import sys

EXIT_PASSED, EXIT_VIOLATIONS, EXIT_ERROR = 0, 1, 2


class Parser(argparse.ArgumentParser):
    """argparse exits 2 on bad arguments, as the contract wants; keep its message to one clear line."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_ERROR, f"error: {message} (see --help)\n")
