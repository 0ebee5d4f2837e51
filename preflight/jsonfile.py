"""Reading the JSON files preflight is handed (`--state`, `--policy-config`, the two `diff` reports) strictly.

Every problem becomes one `JsonInputError` whose message names what is wrong, never a traceback: Python's parser
raises RecursionError on deep nesting and a bare ValueError on integers over 4,300 digits, and it accepts
`NaN`/`Infinity` and `1e999` (read as infinity), none of which a Pulumi file can hold: Pulumi numbers are 64-bit
floats (Go's encoding/json), so anything beyond that range was not written by Pulumi and is refused rather than
rounded into a value a rule then judges.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

# Deeper than any Pulumi document (a state's values start at depth 5; an IAM policy object adds about 8): deep
# enough for real files, shallow enough that every recursive walk after it (rules, protobuf, renderers) is safe.
MAX_DEPTH = 100
MAX_NUMBER_DIGITS = 400  # more digits than float64's range can hold as an integer (about 1.8e308)


class JsonInputError(ValueError):
    """A JSON input that cannot be used; the message is one line saying why."""


def _int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_NUMBER_DIGITS:
        raise JsonInputError(f"a number with {digits} digits is out of range (JSON numbers here are 64-bit floats)")
    value = int(text)
    try:
        float(value)
    except OverflowError:
        raise JsonInputError(f"the number {text[:20]}... is out of range (JSON numbers here are 64-bit floats)"
                             ) from None
    return value


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        shown = text if len(text) <= 40 else text[:37] + "..."
        raise JsonInputError(f"the number {shown} is out of range (JSON numbers here are 64-bit floats)")
    return value


def _constant(name: str) -> Any:
    raise JsonInputError(f"not valid JSON: {name} is not a JSON number")


def _check(value: Any) -> None:
    """Depth and text of a parsed document, without recursion (a deep document must not crash the check).

    `"\\ud800"` is valid JSON but not text: an unpaired surrogate cannot be encoded, so it would crash whatever
    prints or marshals it later (protobuf, stdout)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)) and depth > MAX_DEPTH:
            raise JsonInputError(f"nested deeper than {MAX_DEPTH} levels")
        if isinstance(item, dict):
            stack.extend((k, depth) for k in item)
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
        elif isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError as error:
                raise JsonInputError(f"a string holds an unpaired surrogate ({item[error.start]!r}), which is not "
                                     "text") from None


def loads(text: str) -> Any:
    """Parse JSON text; raises JsonInputError (message without a file name) for anything a Pulumi file cannot be.

    An empty text is not JSON either (callers that accept an empty file check for it first)."""
    try:
        value = json.loads(text, parse_int=_int, parse_float=_float, parse_constant=_constant)
    except JsonInputError:
        raise
    except json.JSONDecodeError as error:
        raise JsonInputError(f"not valid JSON: {error}") from None
    except RecursionError:
        raise JsonInputError(f"nested deeper than {MAX_DEPTH} levels") from None
    except ValueError as error:  # any other conversion limit of the parser
        raise JsonInputError(f"not valid JSON: {error}") from None
    _check(value)
    return value


def load(path: Path | str) -> Any:
    """Read and parse a JSON file; raises JsonInputError whose message starts with the file's path."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise JsonInputError(f"{path}: not valid JSON: not UTF-8 text ({error.reason} at byte {error.start})"
                             ) from None
    except OSError as error:
        raise JsonInputError(f"{path}: cannot read it: {error.strerror or error}") from None
    try:
        return loads(text)
    except JsonInputError as error:
        raise JsonInputError(f"{path}: {error}") from None


def type_name(value: Any) -> str:
    """How a JSON value's type is called in messages: 'a list', 'a number', 'null'."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
