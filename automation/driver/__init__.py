"""The Automation-API driver: `netkit preview|up|destroy|ephemeral|reap` on the real Pulumi CLI.

The modules follow the flow of a run; each imports only those below it (no import cycle):

    runs.py        the commands end to end: target, workspace, backend, signal guard, record
    update.py      preflight -> gate -> `up --plan`
    gate.py        preview with the policy pack, saving the update plan
    teardown.py    pending operations -> ENI phases -> destroy -> `stack rm`
    pending.py     resolve what a stopped engine left pending (aws_inventory.py: find it in AWS by tag)
    engine.py      one stack: every CLI call with a deadline, retries, a stop that escalates, the state read back
    command.py     the CLI process in its own session, the program served through program_host
    signals.py     the driver's own SIGINT/SIGTERM, forwarded to the CLI's session
    locks.py       what to do about a lock after a forced stop (never another job's)
    processes.py   SIGINT, second SIGINT, SIGKILL of a session; /proc session sweep
    retries.py     deadlines, transient errors, credentials errors, dependency violations
    record.py      the run record (`--outputs-file`)
    settings.py    targets and budgets; the worst-case durations they allow
    workspace.py   backends, passphrase, private copies of the program, stand-in stacks
    enis.py        the ENI-aware teardown plan and phases (pure / boto3)
    errors.py      the driver's errors

This package's `__init__` imports nothing, so `aws_ops` can use `enis` without loading Pulumi.
"""
