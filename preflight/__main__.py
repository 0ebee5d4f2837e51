import sys

# `diff`, `graph` and `cost` are subcommands of their own (preflight/diff.py, graph.py, cost.py); the rest is the gate.
if len(sys.argv) > 1 and sys.argv[1] in {"diff", "graph", "cost"}:
    if sys.argv[1] == "diff":
        from .diff import main as subcommand
    elif sys.argv[1] == "cost":
        from .cost import main as subcommand
    else:
        from .graph import main as subcommand
    sys.exit(subcommand(sys.argv[2:]))

from .cli import main  # noqa: E402

sys.exit(main())
