"""Which processes a test started are still alive: found by a variable every one of them inherits."""

from __future__ import annotations

import os
from pathlib import Path


def processes_with_env(name: str, value: str, command: str = "") -> list[int]:
    """Every live process but this one (zombies excluded) whose environment holds `name=value`, optionally only those
    whose command line contains `command`."""
    needle = f"{name}={value}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        state = stat[stat.rfind(")") + 2 :].split()[0]
        if needle in environ.split(b"\0") and state != "Z" and command in cmdline:
            found.append(int(entry.name))
    return found
