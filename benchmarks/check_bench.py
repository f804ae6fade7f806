"""Benchmark of the offline check (not a timed test): wall time and peak memory of `python -m automation check` on
generated programs, next to the floor: the same program run under Pulumi's plain mock runtime (pulumi.runtime.
set_mocks with a Mocks that echoes inputs) in one process, with no recording, no engine shim and no policy pack.

Run: `make bench` (or `.venv/bin/python benchmarks/check_bench.py --sizes 1000 5000`). First, the check under both
engines at 50 and 1,000 resources (`--engine-sizes`; the real CLI's figures need `make pulumi-cli`). Each
measurement is a fresh process tree; peak memory is the largest sum of the resident sets of the whole tree (the
check, the program's process and the policy pack's process together), sampled from /proc every 50 ms. Next to it,
the largest sum of their proportional set sizes (Pss of /proc/<pid>/smaps_rollup): the same memory with pages the
processes share (the interpreter, gRPC's and protobuf's native libraries) counted once, which is what the tree
really takes; for the one-process floor the two are nearly equal. Targets (issue 10): the check within 1.3x the
floor, at most 500 MB, linear growth.
"""

from __future__ import annotations

import argparse
import itertools
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024
FLOOR = """
import runpy, sys
import pulumi
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await


class Echo(pulumi.runtime.Mocks):
    def new_resource(self, args):
        return "", dict(args.inputs)

    def call(self, args):
        return {}


pulumi.runtime.set_mocks(Echo(), project="bench", stack="bench", preview=True)
_sync_await(run_pulumi_func(lambda: runpy.run_path(sys.argv[1], run_name="__main__")))
"""


def _pss_kb(proc: str) -> int:
    """Proportional set size of one process (kB); 0 when it is gone or the kernel has no smaps_rollup."""
    try:
        for line in Path(proc, "smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _tree_memory_kb(root: int) -> tuple[int, int]:
    """Resident set and proportional set size of `root` and all its descendants, in kB."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    procs: dict[int, str] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
            statm = Path(entry.path, "statm").read_text().split()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        pid, ppid = int(entry.name), int(fields[1])
        children.setdefault(ppid, []).append(pid)
        rss[pid] = int(statm[1]) * PAGE_KB
        procs[pid] = entry.path
    total, pss, stack = 0, 0, [root]
    while stack:
        pid = stack.pop()
        if pid in rss:
            total += rss[pid]
            pss += _pss_kb(procs[pid])
        stack.extend(children.get(pid, []))
    return total, pss


def measure(args: list[str]) -> tuple[float, float, float]:
    """Wall seconds, peak resident memory (MB) and peak proportional memory (MB) of a process and its
    descendants."""
    start = time.perf_counter()
    process = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = [0, 0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.05):
            rss, pss = _tree_memory_kb(process.pid)
            peak[0], peak[1] = max(peak[0], rss), max(peak[1], pss)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, stderr = process.communicate()
    elapsed = time.perf_counter() - start
    done.set()
    sampler.join()
    if process.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(args)} failed with status {process.returncode}:\n{stderr.decode()[-2000:]}")
    return elapsed, peak[0] / 1024, peak[1] / 1024


def generated_program(directory: Path, count: int) -> Path:
    """One VPC and count-1 security groups in it (each reads the VPC's id: a dependency per resource). Its
    Pulumi.yaml names this interpreter's environment as its virtualenv (without one, both engines would run it on
    PULUMI_PYTHON_CMD or python3 from PATH, as the language host does)."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "Pulumi.yaml").write_text(
        f"name: bench{count}\nruntime:\n  name: python\n  options:\n    virtualenv: {sys.prefix}\n"
    )
    (directory / "Pulumi.bench.yaml").write_text("config:\n  aws:region: us-east-1\n")
    (directory / "__main__.py").write_text(
        "import pulumi_aws as aws\n"
        "vpc = aws.ec2.Vpc('vpc', cidr_block='10.0.0.0/16')\n"
        f"for i in range({count - 1}):\n"
        "    aws.ec2.SecurityGroup(f'sg-{i}', vpc_id=vpc.id, description='bench')\n"
    )
    return directory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 5000])
    parser.add_argument("--skip-prod", action="store_true", help="do not measure the repository's prod stack")
    parser.add_argument(
        "--engine-sizes",
        type=int,
        nargs="*",
        default=[50, 1000],
        help="sizes at which the check is timed under both engines (--engine pulumi needs `make pulumi-cli`)",
    )
    args = parser.parse_args()
    compare_engines(args.engine_sizes)
    python = sys.executable
    if not args.skip_prod:
        prod, prod_mb, prod_pss = measure([python, "-m", "automation", "check", "prod", "--format", "json"])
        print(f"check prod stack:        {prod:6.2f} s  {prod_mb:7.1f} MB (pss {prod_pss:.1f} MB)")
    rows: list[tuple[int, float, float, float, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        floor_script = Path(tmp) / "floor.py"
        floor_script.write_text(FLOOR)
        for size in args.sizes:
            program = generated_program(Path(tmp) / str(size), size)
            floor, floor_mb, floor_pss = measure([python, str(floor_script), str(program / "__main__.py")])
            seconds, mb, pss = measure(
                [python, "-m", "automation", "check", "bench", "--program", str(program), "--format", "json"]
            )
            rows.append((size, floor, floor_mb, seconds, mb))
            print(
                f"{size:5d} resources: floor {floor:6.2f} s {floor_mb:6.1f} MB (pss {floor_pss:6.1f}) | check "
                f"{seconds:6.2f} s {mb:6.1f} MB (pss {pss:6.1f}) | ratio {seconds / floor:4.2f}x"
            )
    for (small, f1, _, c1, _), (large, f2, _, c2, _) in itertools.pairwise(rows):
        per_floor = (f2 - f1) / (large - small) * 1000
        per_check = (c2 - c1) / (large - small) * 1000
        print(
            f"marginal {small}->{large}: floor {per_floor:.2f} ms/resource, check {per_check:.2f} ms/resource "
            f"({per_check / per_floor:.2f}x)"
        )


def compare_engines(sizes: list[int]) -> None:
    """`netkit check --engine offline` next to `--engine pulumi` (the real CLI, offline provider, throwaway
    backend) on the same generated programs, in preview and in update."""
    if not sizes:
        return
    sys.path.insert(0, str(ROOT))
    from automation.real_engine.tools import CliNotFound, find_pulumi_cli

    try:
        find_pulumi_cli()
        engines = ["offline", "pulumi"]
    except CliNotFound as error:
        print(f"--engine pulumi not measured: {error}")
        engines = ["offline"]
    python = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            program = generated_program(Path(tmp) / f"engines-{size}", size)
            for mode in ("preview", "update"):
                cells = []
                for engine in engines:
                    check = [python, "-m", "automation", "check", "bench", "--program", str(program)]
                    seconds, mb, _ = measure([*check, "--format", "json", "--mode", mode, "--engine", engine])
                    cells.append(f"{engine} {seconds:6.2f} s {mb:6.1f} MB")
                print(f"{size:5d} resources, {mode:7s}: " + " | ".join(cells))


if __name__ == "__main__":
    main()
