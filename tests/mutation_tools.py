"""What the tests of the mutation tools (tools/mutation_*.py) share: the tool imported as mutmut's users run it,
and a result file written the way mutmut 3 writes them beside each mutated module."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import REPO_ROOT


def import_tool(monkeypatch: pytest.MonkeyPatch, name: str) -> ModuleType:
    """tools/NAME.py, imported from tools/ as `python tools/NAME.py` finds its siblings."""
    monkeypatch.syspath_prepend(str(REPO_ROOT / "tools"))
    return importlib.import_module(name)


def write_meta(root: Path, path: str, codes: dict, hashes: dict | None = None) -> None:
    """`root/PATH.meta` with mutmut's exit code per mutant name (None: not run yet) and, given `hashes`, mutmut's hash
    of each function's code by its name in the module (`x_f`, `xǁClassǁmethod`)."""
    meta = root / f"{path}.meta"
    meta.parent.mkdir(parents=True, exist_ok=True)
    data = {"exit_code_by_key": codes, "durations_by_key": {}}
    if hashes is not None:
        data["hash_by_function_name"] = hashes
    meta.write_text(json.dumps(data))
