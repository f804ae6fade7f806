"""The engine shim: the part of the offline engine that runs inside the program's own interpreter.

`run.py` is started by path (`<program's python> -u .../shim/run.py JOB`), as the Python language host starts
`pulumi-language-python-exec`. It imports only the standard library and the Pulumi SDK of the program's own
environment, and loads its pure sibling modules (`planned_state`, `policy_document`, `lookups`) by path under private
names, so none of our packages is importable by the program. The sibling modules are plain stdlib code and are also
imported normally by the parent process and the tests.
"""
