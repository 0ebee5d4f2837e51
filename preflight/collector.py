"""How an evaluating process runs Python's garbage collector: one setting for the gate's own process
(preflight/__main__.py, cli.py), the test session (tests/conftest.py) and the benchmark (tools/bench.py).

An evaluation allocates hundreds of thousands of short-lived objects (the SDK's futures and tasks) on top of what the
imports leave. At Python's default threshold (700) a collection starts every few hundred allocations, and the older
generations keep re-walking the imports. Measured on `--stack dev` (docs/tests.md, "CPU per evaluation"): 2.70 s of
CPU with the default, 2.17 s with THRESHOLD, 1.88 s with the imports frozen too."""

from __future__ import annotations

import gc

THRESHOLD = (5000, 10, 10)


def collect_less() -> None:
    gc.set_threshold(*THRESHOLD)


def freeze_imports() -> None:
    """Move what is loaded now out of the collector's sight (gc.freeze), so no collection during an evaluation walks
    it again, and collect less often. Once the heavy modules are imported."""
    gc.collect()  # what is garbage now must not be frozen with the rest (it could never be freed)
    gc.freeze()
    collect_less()
