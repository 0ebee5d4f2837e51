import gc
import sys

# An evaluation allocates hundreds of thousands of short-lived objects (the SDK's futures and tasks) on top of what
# the imports leave; at Python's default threshold (700) a collection starts every few hundred allocations and the
# older generations keep re-walking the imports. Measured on `--stack dev` (docs/tests.md "CPU per evaluation"):
# 2.70 s of CPU with the default, 2.17 s with this, 1.88 s with the imports frozen too (cli.py FREEZE_IMPORTS).
gc.set_threshold(5000, 10, 10)

# `diff`, `graph` and `cost` are subcommands of their own (preflight/diff.py, graph.py, cost.py); the rest is the gate.
if len(sys.argv) > 1 and sys.argv[1] in {"diff", "graph", "cost"}:
    if sys.argv[1] == "diff":
        from .diff import main as subcommand
    elif sys.argv[1] == "cost":
        from .cost import main as subcommand
    else:
        from .graph import main as subcommand
    sys.exit(subcommand(sys.argv[2:]))

from . import cli  # noqa: E402

# Only here, a process of the gate's own, are the imports frozen (cli.py); a program that calls cli.main itself (the
# tests do, in-process) keeps its own collector settings.
cli.FREEZE_IMPORTS = True
sys.exit(cli.main())
