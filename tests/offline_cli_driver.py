"""Run a Pulumi Python program through the real Pulumi CLI with the offline provider, for
tests/test_offline_provider_cli.py; a script, so the program and the Automation API run in their own process (the
Pulumi runtime's settings are process-global, and a test must be able to interrupt the CLI).

`python tests/offline_cli_driver.py <cli root> <work dir> <operation>...` with operations `preview`, `up`,
`destroy`: the work dir holds the program (Pulumi.yaml, Pulumi.dev.yaml, __main__.py); PULUMI_HOME, the backend and
the offline provider's environment come from the caller. The Python language host cannot be built here, so the
program is served the way the Automation API serves an inline program (pulumi.automation's LanguageServer, the CLI
started with --client). Prints one JSON line per operation: {"operation", "result", "resources": {urn: {type,
inputs, outputs}}, "outputs", "remaining"}.
"""

from __future__ import annotations

import json
import os
import runpy
import sys
from pathlib import Path
from typing import Any

from pulumi import automation as auto


def main() -> None:
    cli_root, work_dir, *operations = sys.argv[1:]
    program_dir = Path(work_dir)
    sys.path.insert(0, str(program_dir))
    os.chdir(program_dir)

    def program() -> None:
        runpy.run_path(str(program_dir / "__main__.py"), run_name="__main__")

    command = auto.PulumiCommand(root=cli_root)
    options = auto.LocalWorkspaceOptions(work_dir=str(program_dir), pulumi_command=command, env_vars=dict(os.environ))
    project = "offline-provider-probe"  # the name in the program's Pulumi.yaml
    stack = auto.create_or_select_stack("dev", project_name=project, program=program, opts=options)
    for operation in operations:
        resources: dict[str, dict[str, Any]] = {}

        def record(event: Any, resources: dict[str, dict[str, Any]] = resources) -> None:
            pre = event.resource_pre_event
            if pre is not None and pre.metadata.new is not None:
                resources.setdefault(pre.metadata.urn, {})["inputs"] = pre.metadata.new.inputs
            done = event.res_outputs_event
            if done is not None and done.metadata.new is not None:
                entry = resources.setdefault(done.metadata.urn, {})
                entry.update(type=done.metadata.type, outputs=done.metadata.new.outputs)

        outputs: dict[str, Any] = {}
        result: Any
        if operation == "preview":
            result = stack.preview(on_event=record).change_summary
        elif operation == "up":
            up = stack.up(on_event=record)
            result, outputs = up.summary.result, {k: v.value for k, v in up.outputs.items()}
        else:
            result = stack.destroy(on_event=record).summary.result
        remaining = (stack.export_stack().deployment or {}).get("resources") or []
        print(
            json.dumps(
                {
                    "operation": operation,
                    "result": result,
                    "resources": resources,
                    "outputs": outputs,
                    "remaining": [r["urn"] for r in remaining],
                },
                default=str,
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
