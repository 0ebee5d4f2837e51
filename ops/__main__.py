"""Entry point: ``python -m ops COMMAND [options]``."""

import os
import sys

from ops.cli import main
from ops.errors import EXIT_PIPE

code = main()
try:
    sys.stdout.flush()
except BrokenPipeError:
    code = EXIT_PIPE
if code == EXIT_PIPE:
    # The interpreter flushes stdout again at exit; on a closed pipe that would print an
    # "Exception ignored" traceback. Point the descriptor at /dev/null first.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
raise SystemExit(code)
