"""Small helpers every component shares: child options and tag merging."""

from __future__ import annotations

from collections.abc import Mapping

import pulumi


def child_opts(parent: pulumi.Resource, **kwargs: object) -> pulumi.ResourceOptions:
    """Options for a child resource: parented to the component so names, deletes and providers follow it."""
    return pulumi.ResourceOptions(parent=parent, **kwargs)  # type: ignore[arg-type]


def merge_tags(base: Mapping[str, str] | None, **extra: str) -> dict[str, str]:
    tags = dict(base or {})
    tags.update(extra)
    return tags
