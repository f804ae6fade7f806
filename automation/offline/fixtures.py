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

The same structure may be written as JSON (a `.json` file is read as JSON, so its errors are JSON's, with line and
column). Each `result` is checked against the provider SDK's result type when the program starts (shim/run.py
`check_fixture_results`), in the program's own interpreter, where the SDK is installed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .files import ProgramLoadError, kind_of, load_yaml_mapping, parse_json, read_text


@dataclass
class Fixtures:
    invokes: list[dict[str, Any]] = field(default_factory=list)
    stack_references: dict[str, dict[str, Any]] = field(default_factory=dict)
    path: str = ""  # the file, for messages

    def to_job(self) -> dict[str, Any]:
        """The wire form the engine shim reads."""
        return {"invokes": self.invokes, "stackReferences": self.stack_references, "file": self.path}


def _read(path: Path) -> dict[str, Any]:
    if path.suffix.lower() != ".json":
        return load_yaml_mapping(path, ProgramLoadError, "fixtures file")
    data = parse_json(read_text(path, ProgramLoadError, "fixtures file"), f"fixtures file {path}", ProgramLoadError)
    if not isinstance(data, dict):
        raise ProgramLoadError(f"fixtures file {path} must hold an object with invokes and stackReferences")
    return data


def load_fixtures(path: Path | str) -> Fixtures:
    """Read and validate a fixtures file; ProgramLoadError (one line naming the file and the entry) on bad input."""
    path = Path(path)
    data = _read(path)
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
        if not isinstance(entry, dict):
            raise ProgramLoadError(f"{where} must be a mapping with token, args and result, not {kind_of(entry)}")
        if not isinstance(entry.get("token"), str) or entry["token"].count(":") != 2:
            raise ProgramLoadError(
                f"{where} needs a `token` of the form <package>:<module>:<function>, such as aws:ec2/getVpc:getVpc"
            )
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
    return Fixtures(checked, {str(k): v for k, v in references.items()}, str(path))
