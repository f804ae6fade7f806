"""Where a registration comes from, as a reviewer of the scanned repository wants to see it.

The Python SDK sends, with each RegisterResource, `sourcePosition` (the frame that called the resource's
constructor) and, since v3.1xx, `stackTrace` (every frame below the constructor, topmost first): pulumi/pulumi
sdk/python/lib/pulumi/runtime/resource.py, `_get_stack_trace` and `_get_source_position`. For a resource created
inside a component installed from a package (`lambda_netkit.components.network` in site-packages) the position is
the component's own line, outside the repository, which GitHub code scanning ignores. The useful place is the
first frame inside the scanned repository that is not an installed package: the user's call of the component.

Runs in the program's interpreter (started by the shim): standard library only.
"""

from __future__ import annotations

import os
import site
import sysconfig
import urllib.parse
from typing import Any


def installed_dirs() -> tuple[str, ...]:
    """Directories of installed code for this interpreter (site-packages, the standard library), with a trailing
    separator: a virtualenv inside the repository (`.venv/`, `venv/`) holds packages, not the user's code."""
    paths = sysconfig.get_paths()
    found = {paths[key] for key in ("purelib", "platlib", "stdlib", "platstdlib") if key in paths}
    found.update(site.getsitepackages() if hasattr(site, "getsitepackages") else [])
    user_site = site.getusersitepackages() if hasattr(site, "getusersitepackages") else ""
    if isinstance(user_site, str) and user_site:
        found.add(user_site)
    return tuple(os.path.join(os.path.realpath(p), "") for p in found if p)


class SourcePicker:
    """Picks, per registration, the first stack frame inside `root` and outside `excluded` directories.

    Frame URIs repeat across thousands of registrations, so each URI's verdict is computed once."""

    def __init__(self, root: str, excluded: tuple[str, ...]) -> None:
        self.root = os.path.join(os.path.realpath(root), "") if root else ""
        self.excluded = excluded
        self._paths: dict[str, str] = {}  # URI -> path when inside the repository, "" when not

    def _path(self, uri: str) -> str:
        known = self._paths.get(uri)
        if known is not None:
            return known
        path = urllib.parse.unquote(urllib.parse.urlparse(uri).path) if uri else ""
        real = os.path.realpath(path) if path else ""
        inside = bool(real) and real.startswith(self.root) and not real.startswith(self.excluded)
        self._paths[uri] = real if inside else ""
        return self._paths[uri]

    def keep_one(self, trace: Any) -> Any:
        """Trim an SDK StackTrace (topmost frame first) to the frame `pick` will choose, in place: the first one
        inside the repository, else the topmost (the SDK's own source position)."""
        frames = trace.frames
        chosen = next((i for i, f in enumerate(frames) if self.root and self._inside(f)), 0)
        if chosen:
            frames[0].CopyFrom(frames[chosen])
        del frames[1:]
        return trace

    def _inside(self, frame: Any) -> bool:
        return frame.HasField("pc") and frame.pc.line > 0 and bool(self._path(frame.pc.uri))

    def pick(self, request: Any) -> tuple[str, int]:
        """(file, line) of the first repository frame; else the SDK's own source position; else ("", 0)."""
        if self.root:
            for frame in _frames(request):
                if self._inside(frame):
                    return self._path(frame.pc.uri), int(frame.pc.line)
        return _position(request)


def _frames(request: Any) -> list[Any]:
    try:
        if not request.HasField("stackTrace"):
            return []
    except ValueError:  # an SDK older than stack traces
        return []
    return [f for f in request.stackTrace.frames if f.HasField("pc")]


def _position(request: Any) -> tuple[str, int]:
    """RegisterResourceRequest.sourcePosition (sent by the Python SDK since v3.76.0): file URI and line."""
    try:
        if not request.HasField("sourcePosition"):
            return "", 0
    except ValueError:  # an SDK older than source positions
        return "", 0
    position = request.sourcePosition
    path = urllib.parse.unquote(urllib.parse.urlparse(position.uri).path) if position.uri else ""
    return path, int(position.line)
