"""Start a child that dies with this process, without forking Python code in a process that runs gRPC threads.

Linux's PR_SET_PDEATHSIG makes the kernel signal a child when its parent dies, and it survives exec. Setting it from
`subprocess.Popen(preexec_fn=...)` forces a plain fork() and runs Python in the child; with gRPC threads running (the
pack's channel, the Automation API's event-log server) that child can abort in gRPC's fork handlers ("Other threads are
currently calling into gRPC, skipping fork() handlers", then SIGABRT). So the child is started through a short Python
`-c` stub instead: it sets the signal, checks its parent is still the one that started it (the parent could have died
in between), and execs the real command line. Elsewhere than Linux the stub only execs.
"""

from __future__ import annotations

import os
import signal

_EXEC_WITH_DEATH_SIGNAL = (
    "import ctypes, ctypes.util, os, sys\n"
    "try:\n"
    "    ctypes.CDLL(ctypes.util.find_library('c'), use_errno=True).prctl(1, int(sys.argv[1]), 0, 0, 0)\n"
    "except (OSError, AttributeError, TypeError):\n"
    "    pass\n"
    "if os.getppid() != int(sys.argv[2]):\n"
    "    sys.exit(1)\n"
    "try:\n"
    "    os.execvp(sys.argv[3], sys.argv[3:])\n"
    "except OSError as error:\n"
    "    sys.exit(f'cannot start {sys.argv[3]}: {error.strerror}')\n"
)


def with_parent_death_signal(python: str, argv: list[str], death_signal: int = signal.SIGKILL) -> list[str]:
    """`argv` (its first item a path or a name on PATH) started through `python`; it gets `death_signal` when we die."""
    return [python, "-c", _EXEC_WITH_DEATH_SIGNAL, str(int(death_signal)), str(os.getpid()), *argv]
