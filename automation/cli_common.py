"""What every command shares: exit codes and an argparse parser that exits 2 with one clear line."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any

EXIT_PASSED, EXIT_VIOLATIONS, EXIT_ERROR = 0, 1, 2

# `--conifg aws:secretKey=...` (a mistyped option) is echoed by argparse as an unrecognized argument: keep the key,
# never the value.
_ASSIGNED_VALUE = re.compile(r"(?<=[^\s=])=\S+")


class Parser(argparse.ArgumentParser):
    """argparse exits 2 on bad arguments, as the contract wants; keep its message to one clear line (the usage is
    shown too when stderr is a terminal), and let a command add its own error output (`on_error`, e.g. the JSON
    document `check --format json` promises even for bad arguments)."""

    on_error: Callable[[str, Sequence[str]], None] | None = None
    arguments: Sequence[str] = ()

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> Any:
        self.arguments = list(sys.argv[1:] if args is None else args)
        return super().parse_known_args(args, namespace)

    def error(self, message: str) -> None:  # type: ignore[override]
        if message.startswith("unrecognized arguments"):
            message = _ASSIGNED_VALUE.sub("=...", message)
        if sys.stderr.isatty():
            self.print_usage(sys.stderr)
        line = f"error: {message} (see --help)"
        if self.on_error is not None:
            self.on_error(line, self.arguments)
        self.exit(EXIT_ERROR, line + "\n")
