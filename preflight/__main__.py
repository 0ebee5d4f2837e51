import sys

from .collector import collect_less

# Before the imports, so they are collected less often too; the imports are frozen once loaded (cli.FREEZE_IMPORTS).
collect_less()

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
