"""The fixtures file (`--fixtures FILE`, DESIGN.md section 3): answers for lookups of existing infrastructure and
the outputs of stack references, so a program that reads what already exists can be checked offline.

```yaml
invokes:
  - token: aws:ec2/getVpc:getVpc     # provider function token
    args: {default: true}            # optional; the entry applies when these args match (subset)
    result: {id: vpc-0abc, cidrBlock: 172.31.0.0/16}
stackReferences:
  acme/network/prod: {vpc_id: vpc-0abc}
```
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .stack_config import ProgramLoadError, load_yaml


@dataclass
class Fixtures:
    invokes: list[dict[str, Any]] = field(default_factory=list)
    stack_references: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_job(self) -> dict[str, Any]:
        """The wire form the engine shim reads."""
        return {"invokes": self.invokes, "stackReferences": self.stack_references}


def load_fixtures(path: Path | str) -> Fixtures:
    """Read and validate a fixtures file; ProgramLoadError (one line naming the file and the entry) on bad input."""
    path = Path(path)
    if not path.is_file():
        raise ProgramLoadError(f"fixtures file {path} does not exist")
    data = load_yaml(path)
    unknown = sorted(set(data) - {"invokes", "stackReferences"})
    if unknown:
        raise ProgramLoadError(
            f"{path}: unknown top-level keys {', '.join(unknown)} (expected invokes, stackReferences)"
        )
    invokes = data.get("invokes") or []
    if not isinstance(invokes, list):
        raise ProgramLoadError(f"{path}: `invokes` must be a list of entries with token, args and result")
    checked: list[dict[str, Any]] = []
    for index, entry in enumerate(invokes):
        where = f"{path}: invokes[{index}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("token"), str) or ":" not in entry["token"]:
            raise ProgramLoadError(f"{where} needs a `token` such as aws:ec2/getVpc:getVpc")
        if not isinstance(entry.get("args", {}) or {}, dict):
            raise ProgramLoadError(f"{where}: `args` must be a mapping")
        if not isinstance(entry.get("result"), dict):
            raise ProgramLoadError(f"{where}: `result` must be a mapping of the function's outputs")
        extra = sorted(set(entry) - {"token", "args", "result"})
        if extra:
            raise ProgramLoadError(f"{where}: unknown keys {', '.join(extra)}")
        checked.append({"token": entry["token"], "args": entry.get("args") or {}, "result": entry["result"]})
    references = data.get("stackReferences") or {}
    if not isinstance(references, dict):
        raise ProgramLoadError(f"{path}: `stackReferences` must map stack names to their outputs")
    for name, outputs in references.items():
        if not isinstance(outputs, dict):
            raise ProgramLoadError(f"{path}: stackReferences.{name} must be a mapping of output names to values")
    return Fixtures(checked, {str(k): v for k, v in references.items()})
