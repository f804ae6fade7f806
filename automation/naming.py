"""Ephemeral stack names and TTLs. Pure: no Pulumi import."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

MAX_STACK_NAME = 100
EXPIRES_KEY = "netkit:ephemeralExpiresAt"
OWNER_KEY = "netkit:ephemeralOwner"
COMMIT_KEY = "netkit:ephemeralCommit"
EPHEMERAL_TAG = "netkit:ephemeral"
_TTL_RE = re.compile(r"^(\d+)([mhd])$")


def sanitize(part: str) -> str:
    """Stack names allow letters, digits, '-', '_' and '.'; everything else becomes '-'."""
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "-", part).strip("-.").lower()
    return re.sub(r"-{2,}", "-", cleaned)


def ci_context(env: Mapping[str, str]) -> list[str]:
    """Run id and branch from GitHub Actions, GitLab CI or a generic CI, most specific first."""
    run = env.get("GITHUB_RUN_ID") or env.get("CI_PIPELINE_ID") or env.get("BUILD_ID") or ""
    attempt = env.get("GITHUB_RUN_ATTEMPT", "")
    branch = env.get("GITHUB_HEAD_REF") or env.get("GITHUB_REF_NAME") or env.get("CI_COMMIT_REF_NAME") or ""
    parts = [branch, f"{run}-{attempt}" if run and attempt else run]
    return [p for p in parts if p]


def ephemeral_stack_name(prefix: str, env: Mapping[str, str], suffix: str | None = None) -> str:
    """`<prefix>-<branch>-<run>-<random>`: unique per CI run and attempt, valid, at most 100 characters."""
    random_part = suffix if suffix is not None else secrets.token_hex(3)
    parts = [sanitize(prefix) or "eph", *[sanitize(p) for p in ci_context(env)], random_part]
    name = "-".join(p for p in parts if p)
    if len(name) > MAX_STACK_NAME:
        head = name[: MAX_STACK_NAME - len(random_part) - 1].rstrip("-.")
        name = f"{head}-{random_part}"
    return name


def parse_ttl(value: str) -> timedelta:
    match = _TTL_RE.match(value.strip())
    if not match:
        raise ValueError(f"TTL {value!r} is not a duration such as 30m, 4h or 2d")
    amount, unit = int(match.group(1)), match.group(2)
    if amount <= 0:
        raise ValueError("TTL must be positive")
    return {"m": timedelta(minutes=amount), "h": timedelta(hours=amount), "d": timedelta(days=amount)}[unit]


def expiry(ttl: str, now: datetime | None = None) -> str:
    return ((now or datetime.now(UTC)) + parse_ttl(ttl)).strftime("%Y-%m-%dT%H:%M:%SZ")


def is_expired(expires_at: str | None, now: datetime | None = None) -> bool:
    """Stacks without a readable expiry are never reaped: the reaper only removes what it can prove stale."""
    if not expires_at:
        return False
    try:
        moment = datetime.strptime(expires_at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return False
    return moment <= (now or datetime.now(UTC))
