"""Entry point: ``python -m ops COMMAND [options]``."""

from ops.cli import main

raise SystemExit(main())
