"""Benchmark of the offline check (not a timed test): wall time and peak memory of `python -m automation check`
for the prod stack and for generated programs of 100, 1,000 and 5,000 resources, next to the import floor.

Run: `make bench` (or `.venv/bin/python benchmarks/check_bench.py --sizes 100 1000`). Each measurement is its own
process; peak memory is that process's max RSS (the policy pack's process is measured separately by the OS and
is not included)."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# pulumi_aws loads submodules lazily: touch a class of each submodule the reference program uses so the floor
# really contains them.
FLOOR = (
    "import pulumi, pulumi_aws as aws; "
    "[aws.ec2.Vpc, aws.vpc.SecurityGroupIngressRule, aws.lambda_.Function, aws.iam.Role, aws.apigatewayv2.Api, "
    "aws.globalaccelerator.Accelerator, aws.lb.LoadBalancer, aws.cloudwatch.LogGroup, aws.sqs.Queue, "
    "aws.secretsmanager.Secret]"
)


def measure(args: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one child process."""
    start = time.perf_counter()
    process = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"{' '.join(args)} failed with status {status}")
    return elapsed, usage.ru_maxrss / 1024


def generated_program(directory: Path, count: int) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "Pulumi.yaml").write_text(f"name: bench{count}\nruntime: python\n")
    (directory / "__main__.py").write_text(
        "import pulumi_aws as aws\n"
        "vpc = aws.ec2.Vpc('vpc', cidr_block='10.0.0.0/16')\n"
        f"for i in range({count - 1}):\n"
        "    aws.ec2.SecurityGroup(f'sg-{i}', vpc_id=vpc.id, description='bench')\n"
    )
    return directory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="*", default=[100, 1000, 5000])
    args = parser.parse_args()
    python = sys.executable
    floor, floor_mb = measure([python, "-c", FLOOR])
    print(f"import floor:            {floor:6.2f} s  {floor_mb:7.1f} MB")
    prod, prod_mb = measure([python, "-m", "automation", "check", "prod", "--format", "json"])
    print(f"check prod (81 res.):    {prod:6.2f} s  {prod_mb:7.1f} MB  ({prod / floor:.1f}x floor)")
    previous: tuple[int, float] | None = None
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            program = generated_program(Path(tmp) / str(size), size)
            seconds, mb = measure(
                [python, "-m", "automation", "check", "bench", "--program", str(program), "--format", "json"]
            )
            marginal = ""
            if previous is not None:
                per = (seconds - previous[1]) / (size - previous[0]) * 1000
                marginal = f"  marginal {per:.2f} ms/resource"
            print(f"check {size:5d} resources: {seconds:6.2f} s  {mb:7.1f} MB{marginal}")
            previous = (size, seconds)


if __name__ == "__main__":
    main()
