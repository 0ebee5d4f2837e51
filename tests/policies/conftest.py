"""Puts the repository on sys.path (plain `pytest` does not) so tests import `policies` and `preflight`."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
