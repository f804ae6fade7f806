"""Suppressions (DESIGN.md section 3), applied by the pack itself so they hold offline and under the real CLI.

Two ways to say "this finding is accepted, and why":
- a resource tag `netkit:suppress` = `<policy>[,<policy>]: <reason>` (on the resource the finding is about);
- a policy's config entry `"suppress": [{"resource": "<name or URN glob>", "reason": "..."}]`.

A reason is required. A suppression without one suppresses nothing (fail closed) and is itself reported as an
advisory problem naming the resource. Pure: no Pulumi import; messages name resources and policies, never values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

SUPPRESS_TAG = "netkit:suppress"


@dataclass(frozen=True)
class SuppressionProblem:
    """A suppression that was ignored: which policy it names ("" when none), which resource, and why."""

    policy: str
    urn: str
    message: str


def parse_tag(value: Any) -> tuple[list[str], str] | None:
    """`a,b: reason` -> (["a", "b"], "reason"); None when the value is not a string naming a policy."""
    if not isinstance(value, str):
        return None
    head, _, reason = value.partition(":")
    policies = [p.strip() for p in head.split(",") if p.strip()]
    if not policies:
        return None
    return policies, reason.strip()


def _tags(props: Mapping[str, Any] | None) -> Mapping[str, Any]:
    tags = props.get("tags") if isinstance(props, Mapping) else None
    return tags if isinstance(tags, Mapping) else {}


class Suppressions:
    """Every suppression of one analysis: resource tags (name and tags per URN) and each policy's config."""

    def __init__(
        self,
        resources: Iterable[tuple[str, str, Mapping[str, Any] | None]],
        configs: Mapping[str, Mapping[str, Any]],
        known_policies: Iterable[str] = (),
    ) -> None:
        known = set(known_policies)
        self.problems: list[SuppressionProblem] = []
        self._names: dict[str, str] = {}
        self._by_tag: dict[tuple[str, str], str] = {}
        for urn, name, props in resources:
            self._names[urn] = name
            self._read_tag(urn, name, _tags(props), known)
        self._by_config: dict[str, list[tuple[str, str]]] = {}
        for policy, config in configs.items():
            self._read_config(policy, config)

    def _read_tag(self, urn: str, name: str, tags: Mapping[str, Any], known: set[str]) -> None:
        if SUPPRESS_TAG not in tags:
            return
        parsed = parse_tag(tags[SUPPRESS_TAG])
        if parsed is None:
            self.problems.append(
                SuppressionProblem(
                    "", urn, f"tag {SUPPRESS_TAG} on {name} is ignored: write it as '<policy>[,<policy>]: <reason>'"
                )
            )
            return
        policies, reason = parsed
        for policy in policies:
            if known and policy not in known:
                self.problems.append(
                    SuppressionProblem(
                        "", urn, f"tag {SUPPRESS_TAG} on {name} names a policy this pack does not have; it is ignored"
                    )
                )
            elif not reason:
                self.problems.append(
                    SuppressionProblem(
                        policy,
                        urn,
                        f"tag {SUPPRESS_TAG} on {name} suppresses {policy} without a reason, so it is ignored: "
                        f"write '{policy}: <why this is accepted>'",
                    )
                )
            else:
                self._by_tag[(urn, policy)] = reason

    def _read_config(self, policy: str, config: Mapping[str, Any]) -> None:
        entries = config.get("suppress") if isinstance(config, Mapping) else None
        if not isinstance(entries, list | tuple):
            return
        for index, entry in enumerate(entries):
            pattern = entry.get("resource") if isinstance(entry, Mapping) else None
            reason = entry.get("reason") if isinstance(entry, Mapping) else None
            if not isinstance(pattern, str) or not pattern.strip():
                self.problems.append(
                    SuppressionProblem(policy, "", f"suppress entry {index + 1} of {policy} names no resource")
                )
            elif not isinstance(reason, str) or not reason.strip():
                for urn in self.matching(pattern) or [""]:
                    target = self._names.get(urn, pattern)
                    self.problems.append(
                        SuppressionProblem(
                            policy,
                            urn,
                            f"suppress entry {index + 1} of {policy} for {target} has no reason, so it is ignored",
                        )
                    )
            else:
                self._by_config.setdefault(policy, []).append((pattern.strip(), reason.strip()))

    def matching(self, pattern: str) -> list[str]:
        """URNs whose resource name or URN matches the glob."""
        return [u for u, n in self._names.items() if fnmatchcase(n, pattern) or fnmatchcase(u, pattern)]

    def reason(self, policy: str, urn: str, name: str | None = None, props: Mapping[str, Any] | None = None) -> str:
        """The reason `policy`'s finding on `urn` is suppressed, or "" when it is not. `name`/`props` cover a
        resource this analysis has not seen (a resource rule in `Analyze`)."""
        if not urn:
            return ""
        if (urn, policy) in self._by_tag:
            return self._by_tag[(urn, policy)]
        if props is not None:
            parsed = parse_tag(_tags(props).get(SUPPRESS_TAG))
            if parsed is not None and policy in parsed[0] and parsed[1]:
                return parsed[1]
        name = name if name is not None else self._names.get(urn, "")
        for pattern, reason in self._by_config.get(policy, []):
            if fnmatchcase(name, pattern) or fnmatchcase(urn, pattern):
                return reason
        return ""
