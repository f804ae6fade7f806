"""Stage the policy pack for `pulumi policy publish`.

The repository's `policies/PulumiPolicy.yaml` names `virtualenv: ../.venv` so `pulumi preview --policy-pack policies`
runs the pack with the project's environment. Published as it is, the enforcing CLI would keep that option
(pulumi/pulumi pkg/backend/httpstate/policypack.go `installRequiredPolicy` sets `virtualenv: venv` only when the
option is absent) and create `<org policies dir>/.venv`, shared by every pack of the organisation. So we publish
a staged copy without the option: the CLI then installs `requirements.txt` into the pack's own `venv`.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

import yaml

IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "venv", ".venv")


def stage_for_publish(pack_dir: Path, target: Path) -> Path:
    """Copy `pack_dir` to `target` (replaced if it exists) without the `virtualenv` runtime option."""
    manifest_path = pack_dir / "PulumiPolicy.yaml"
    manifest: Any = yaml.safe_load(manifest_path.read_text(encoding="utf-8"))
    if not isinstance(manifest, dict):
        raise ValueError(f"{manifest_path} must hold a mapping")
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(pack_dir, target, ignore=IGNORED)
    runtime = manifest.get("runtime")
    if isinstance(runtime, dict):
        options = dict(runtime.get("options") or {})
        options.pop("virtualenv", None)
        manifest["runtime"] = {**runtime, "options": options} if options else runtime.get("name", "python")
    (target / "PulumiPolicy.yaml").write_text(yaml.safe_dump(manifest, sort_keys=False), encoding="utf-8")
    return target


def main(argv: list[str]) -> int:
    """`python -m automation.pack_publish PACK_DIR TARGET` (what `make pack-dist` runs)."""
    if len(argv) != 2:
        print("usage: python -m automation.pack_publish PACK_DIR TARGET", file=sys.stderr)
        return 2
    staged = stage_for_publish(Path(argv[0]), Path(argv[1]))
    print(f"staged {argv[0]} in {staged}: publish with `pulumi policy publish [ORG]` from that directory")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
