"""The engine shim: the part of the offline engine that runs inside the program's own interpreter.

`run.py` is started by path (`<program's python> -u .../shim/run.py JOB`), as the Python language host starts
`pulumi-language-python-exec`. It imports only the standard library and the Pulumi SDK of the program's own
environment, and loads by path, under private names, its pure sibling module `lookups` and the provider model
package automation/provider_model (the transforms the offline provider applies too), so none of our packages is
importable by the program. Those modules are plain stdlib code, also imported normally by the parent process, the
offline provider and the tests.
"""
