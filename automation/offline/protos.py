"""The analyzer protocol's protobuf and gRPC modules of the installed Pulumi SDK, loaded without `import pulumi`.

`pulumi/__init__.py` imports the whole SDK (outputs, resources, the runtime, every proto of
`pulumi/runtime/proto/__init__.py`): about 12 MB of resident memory in the checker, which only speaks the analyzer
protocol to the pack. So the two generated modules it needs (`analyzer_pb2`, `analyzer_pb2_grpc`, and the
`plugin_pb2` they import relatively) are loaded from the SDK's own `pulumi/runtime/proto` directory under a private
package name. They register the same `.proto` files in protobuf's default descriptor pool, so the message classes
are the very classes `pulumi.runtime.proto.analyzer_pb2` has when the SDK is imported too (the upb runtime keeps
one class per descriptor). If the SDK's modules are already imported, or anything about the private load fails,
the SDK's own modules are used.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from pathlib import Path
from typing import Any

_PRIVATE = "_netkit_pulumi_analyzer_proto"


def _load() -> tuple[Any, Any]:
    if "pulumi.runtime.proto.analyzer_pb2_grpc" not in sys.modules:
        try:
            spec = importlib.util.find_spec("pulumi")
            locations = list(spec.submodule_search_locations or []) if spec else []
            proto_dir = next(
                (Path(p, "runtime", "proto") for p in locations if Path(p, "runtime", "proto").is_dir()), None
            )
            if proto_dir is not None:
                package = sys.modules.get(_PRIVATE)
                if package is None:
                    package = types.ModuleType(_PRIVATE)
                    package.__path__ = [str(proto_dir)]
                    package.__package__ = _PRIVATE
                    sys.modules[_PRIVATE] = package
                return (
                    importlib.import_module(f"{_PRIVATE}.analyzer_pb2"),
                    importlib.import_module(f"{_PRIVATE}.analyzer_pb2_grpc"),
                )
        except Exception:  # noqa: BLE001 - any surprise: the SDK's own import below
            for name in [n for n in sys.modules if n == _PRIVATE or n.startswith(_PRIVATE + ".")]:
                del sys.modules[name]
    from pulumi.runtime.proto import analyzer_pb2 as pb2
    from pulumi.runtime.proto import analyzer_pb2_grpc as grpc_pb2

    return pb2, grpc_pb2


analyzer_pb2, analyzer_pb2_grpc = _load()

# pulumi/runtime/rpc.py UNKNOWN: the sentinel the engine sends for an unknown (computed) value.
UNKNOWN_WIRE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"

__all__ = ["UNKNOWN_WIRE", "analyzer_pb2", "analyzer_pb2_grpc"]
