"""Known secrets, masked everywhere netkit prints or writes: the program's own output, its exceptions and log
messages, fixture hints, every report format, every --output file, every error line.

Known secrets are:
- the values of secret config keys (secure values; offline they cannot be decrypted and the program sees a
  placeholder, but whatever value a secret key has is treated as secret);
- values the program marked secret (`pulumi.Output.secret`, `Config.require_secret`, ...) that reach a resource's
  inputs, its registered outputs, or a provider function's arguments (the engine shim reports those, since the SDK
  unwraps them before it sends an invoke);
- values `lambda-env-no-secrets` finds in Lambda environment variables (the same detector, run on the recorded
  inputs).

The Pulumi CLI masks only decrypted secure config values in what it prints (pulumi/pulumi pkg/engine/events.go
`logging.AddGlobalSecretFilter` -> `FilterString` on every diagnostic and program output line); netkit masks more.
Masking follows the CLI's rules (sdk/go/common/util/logging/log.go `replacements`): values shorter than 3
characters and `true`/`false` are not masked (masking them would garble every message and tell the value
away), and the JSON-escaped form of a value is masked too; so is its Python-escaped form (`repr`, as a program
printing a dict or an exception shows it). Secrets are held in memory only, never logged or written.
"""

from __future__ import annotations

import dataclasses
import json
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

from ..provider_model.wire import secret_values

MASK = "[secret]"
MIN_LENGTH = 3
LAMBDA_FUNCTION = "aws:lambda/function:Function"

T = TypeVar("T")


def _forms(secret: str) -> set[str]:
    """The text forms a secret takes when printed: as is, JSON-escaped, Python-escaped."""
    forms = {secret, json.dumps(secret)[1:-1], repr(secret)[1:-1]}
    return {form for form in forms if len(form) >= MIN_LENGTH}


class Masker:
    """The known secrets of one check; `mask` replaces each (longest first) with `[secret]`. Thread-safe: the
    program's records arrive on the checker's main thread while the pack's answers arrive on others."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._forms: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self.add(secrets)

    def __bool__(self) -> bool:
        return bool(self._forms)

    def add(self, secrets: Iterable[str]) -> None:
        fresh: set[str] = set()
        for secret in secrets:
            if not isinstance(secret, str) or len(secret) < MIN_LENGTH or secret.lower() in ("true", "false"):
                continue
            fresh |= _forms(secret) - self._forms
        if not fresh:
            return
        with self._lock:
            self._forms |= fresh
            ordered = sorted(self._forms, key=lambda form: (-len(form), form))
            self._pattern = re.compile("|".join(re.escape(form) for form in ordered))

    def add_marked(self, value: Any) -> None:
        """The secrets inside every value marked secret in a wire value (resource inputs or outputs)."""
        self.add(secret_values(value))

    def mask(self, text: str) -> str:
        pattern = self._pattern
        if pattern is None or not text:
            return text
        return pattern.sub(MASK, text)

    def mask_data(self, value: T) -> T:
        """`value` with every string in it masked: strings, lists, tuples, dicts (keys too) and dataclass
        instances (a masked copy; the original is left alone)."""
        if self._pattern is None:
            return value
        return self._masked(value)

    def _masked(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.mask(value)
        if isinstance(value, list):
            return [self._masked(v) for v in value]
        if isinstance(value, tuple):
            return tuple(self._masked(v) for v in value)
        if isinstance(value, dict):
            return {self._masked(k): self._masked(v) for k, v in value.items()}
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            changes = {f.name: self._masked(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init}
            return dataclasses.replace(value, **changes)
        return value

    def scrub(self, exc: BaseException) -> BaseException:
        """The exception with its message and the texts it carries (a program's traceback and output) masked, in
        place, so whoever prints it prints no secret."""
        if self._pattern is None:
            return exc
        exc.args = tuple(self._masked(arg) for arg in exc.args)
        for name in ("program_traceback", "stdout", "stderr", "hint"):
            text = getattr(exc, name, None)
            if isinstance(text, str):
                setattr(exc, name, self.mask(text))
        return exc


def lambda_environment_secrets(inputs: Mapping[str, Any], allow_patterns: Sequence[str] = ()) -> list[str]:
    """The values `lambda-env-no-secrets` finds in a Lambda function's environment variables (its detector,
    netkit_core.secret_detection, on the recorded inputs); values marked secret are found by `add_marked`."""
    environment = inputs.get("environment")
    variables = environment.get("variables") if isinstance(environment, Mapping) else None
    if not isinstance(variables, Mapping):
        return []
    plain = {str(k): v for k, v in variables.items() if isinstance(v, str)}
    if not plain:
        return []
    from netkit_core.secret_detection import scan_environment  # imported when a function has string variables

    allow = [p for p in allow_patterns if isinstance(p, str)]
    return [plain[finding.variable] for finding in scan_environment(plain, allow) if finding.variable in plain]
