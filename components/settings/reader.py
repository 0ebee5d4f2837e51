"""Reading structured stack config and collecting every problem before anything is created.

A section (e.g. ``aurora-platform:network``) is read through a ``Section``: each accessor returns the value or its
default and, when the value is wrong, records a problem naming the full config key, the value given and what is
allowed, instead of raising. ``Problems.raise_if_any`` then reports all of them in one ``SettingsError``.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pulumi

from .known import did_you_mean, similarity

_MISSING = object()
# The retention periods CloudWatch Logs accepts (PutRetentionPolicy); any other number is refused by AWS.
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
                      3288, 3653)


class SettingsError(pulumi.RunError):
    """Invalid stack settings. A ``pulumi.RunError`` so the Pulumi CLI prints the message without a traceback."""

    def __init__(self, stack: str, problems: list[str]):
        self.stack = stack
        self.problems = list(problems)
        count = len(problems)
        lines = [f"Stack settings for '{stack}' have {count} problem{'s' if count != 1 else ''} (Pulumi.{stack}.yaml):"]
        lines += [f"  - {problem}" for problem in problems]
        super().__init__("\n".join(lines))


def show(value: Any) -> str:
    """How a given value is quoted in an error: JSON, so strings keep their quotes and lists look like the YAML."""
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)


# What an error shows instead of a value read from a secret config key (the same text Pulumi and the gate print).
MASK = "[secret]"
# The safety net below masks only string values at least this long: shorter ones ("1", "on") would mask digits and
# words of the message's own text, and every message built here masks its values explicitly anyway.
_NET_MIN_LENGTH = 4


class Problems:
    """Problems of one stack's settings. `secret_keys` are the config keys Pulumi marks secret (a `secure:` value at
    or anywhere under them); every value read from under one of them is shown as `[secret]`, never as given."""

    def __init__(self, stack: str, secret_keys: Iterable[str] = (), secret_values: Iterable[str] = ()):
        self.stack = stack
        self.secret_keys = frozenset(secret_keys)
        # The plain text of those keys' string values: a message that quotes one without `shown` still masks it.
        # Both as written and as JSON quotes it inside `show` (escaped quotes, backslashes, non-ASCII).
        spellings = {form for v in secret_values for form in (v, json.dumps(v)[1:-1])}
        self._net = sorted({v for v in spellings if len(v) >= _NET_MIN_LENGTH}, key=len, reverse=True)
        self._items: list[tuple[str, str | Callable[[], str]]] = []
        # Section key -> the keys it reads, filled as sections finish: an unknown key's message is written last, so
        # it can say which other section the key belongs to.
        self.known_keys: dict[str, set[str]] = {}

    @property
    def items(self) -> list[str]:
        return [f"{key}: {self._redact(text() if callable(text) else text)}" for key, text in self._items]

    def add_later(self, key: str, text: Callable[[], str]) -> None:
        """A problem whose text is written when the problems are reported (after every section has been read)."""
        self._items.append((key, text))

    def unknown_key(self, section: str, name: str, known: Iterable[str]) -> None:
        known = sorted(known)
        listed = ", ".join(known) or "none"
        # The hint comes after the list: tools read the known keys from the text after "known settings here: ".
        self.add_later(f"{section}.{name}",
                       lambda: f"unknown setting; known settings here: {listed}{self.hint(section, name, known)}")

    def hint(self, section: str, name: str, known_here: Iterable[str]) -> str:
        """Where a misplaced or misspelt key belongs: another section that reads exactly this key (case aside), else
        the closest key here, else the closest key of another section. "" when nothing fits."""
        others = {s: keys for s, keys in self.known_keys.items() if s != section}
        homes = sorted(s for s, keys in others.items() if name.lower() in {k.lower() for k in keys})
        if homes:
            return f". {name} is a setting of {' and '.join(homes)}: move it there"
        # A near miss here is likelier than one elsewhere, unless the other section's key is the closer spelling
        # (`backupRetentionDay` under network is database's backupRetentionDays, not network's flowLogRetentionDays).
        elsewhere = {f"{s}.{k}": k for s, keys in others.items() for k in keys}
        best_here = max((similarity(name, k) for k in known_here), default=0.0)
        best_elsewhere = max((similarity(name, k) for k in elsewhere.values()), default=0.0)
        here = did_you_mean(name, known_here)
        if here and best_here >= best_elsewhere:
            return f".{here}"
        closest = [key for key, k in elsewhere.items()
                   if best_elsewhere >= 0.6 and similarity(name, k) == best_elsewhere]
        return f". Did you mean {' or '.join(sorted(closest))}?" if closest else (f".{here}" if here else "")

    def is_secret(self, key: str) -> bool:
        """Whether `key` (e.g. "aurora-platform:app.environment.FOO") lies under a secret config key."""
        return any(key == s or key.startswith((f"{s}.", f"{s}[")) for s in self.secret_keys)

    def shown(self, key: str, value: Any) -> str:
        """`value`, read at `key`, as a message may quote it: `[secret]` under a secret config key, and for a mapping
        with a `secure` key that Pulumi did not take for a secure value (another key beside it), ciphertext and all."""
        return MASK if self.is_secret(key) or _mentions_secure(value) else show(value)

    def add(self, key: str, given: Any, allowed: str) -> None:
        if _mentions_secure(given) and not self.is_secret(key):
            allowed += ("; a secure: value is a mapping with the one key secure, holding the ciphertext (`pulumi "
                        "config set --secret --path` writes it)")
        self._items.append((key, f"got {self.shown(key, given)}; allowed: {allowed}"))

    def add_text(self, key: str, text: str) -> None:
        """`text` must quote values through `shown(key, value)`, so a secret one is masked."""
        self._items.append((key, text))

    def raise_if_any(self) -> None:
        if self._items:
            raise SettingsError(self.stack, self.items)

    def _redact(self, text: str) -> str:
        for value in self._net:
            # Only where the value stands alone (quoted, or between spaces), not inside a longer word, number, key
            # path or ARN of the message's own text ("enabled" in "global.enabled").
            text = re.sub(rf"(?<![\w.:/-]){re.escape(value)}(?![\w:/-])", MASK, text)
        return text


def _mentions_secure(value: Any) -> bool:
    if isinstance(value, Mapping):
        return "secure" in value or any(_mentions_secure(v) for v in value.values())
    if isinstance(value, list):
        return any(_mentions_secure(v) for v in value)
    return False


def string_leaves(value: Any) -> list[str]:
    """Every string inside a config value (objects and lists walked; JSON text also parsed), for the safety net."""
    if isinstance(value, str):
        with contextlib.suppress(json.JSONDecodeError):
            parsed = json.loads(value)
            if isinstance(parsed, Mapping | list):
                return [value, *string_leaves(parsed)]
        return [value]
    if isinstance(value, Mapping):
        return [leaf for item in value.values() for leaf in string_leaves(item)]
    if isinstance(value, list):
        return [leaf for item in value for leaf in string_leaves(item)]
    return []


class Section:
    """One structured config object. Unknown keys are problems too: a typo must not silently become a default."""

    def __init__(self, problems: Problems, key: str, raw: Any):
        self.problems = problems
        self.key = key
        self.used: set[str] = set()
        if raw is None:
            raw = {}
        if isinstance(raw, str):
            # `pulumi config set aurora-platform:network '{...}'` stores a string; accept JSON text.
            with contextlib.suppress(json.JSONDecodeError):
                raw = json.loads(raw) if raw.strip() else {}
        if not isinstance(raw, Mapping):
            # A whole secret key that is not an object is already refused as a secret (load_settings); its text,
            # which offline is only a placeholder for the ciphertext, says nothing more.
            if key not in problems.secret_keys:
                problems.add(key, raw, "an object (a YAML mapping of settings)")
            raw = {}
        self.raw: Mapping[str, Any] = raw

    def _key(self, name: str) -> str:
        return f"{self.key}.{name}"

    def _get(self, name: str) -> Any:
        self.used.add(name)
        value = self.raw.get(name, _MISSING)
        return _MISSING if value is None else value

    def has(self, name: str) -> bool:
        return self.raw.get(name) is not None

    def string(
        self,
        name: str,
        default: str | None,
        *,
        choices: Iterable[str] | None = None,
        pattern: str | None = None,
        allowed: str | None = None,
        check: Callable[[str], bool] | None = None,
    ) -> str | None:
        value = self._get(name)
        if value is _MISSING:
            return default
        choices = list(choices) if choices is not None else None
        description = allowed or (", ".join(choices) if choices else "a string")
        if not isinstance(value, str):
            hint = "" if self.problems.is_secret(self._key(name)) else _quote_hint(name, value)
            self.problems.add(self._key(name), value, description + hint)
            return default
        if choices is not None and value not in choices:
            hint = "" if self.problems.is_secret(self._key(name)) else did_you_mean(value, choices)
            self.problems.add(self._key(name), value, description + (f".{hint}" if hint else ""))
            return default
        if pattern is not None and not re.fullmatch(pattern, value):
            self.problems.add(self._key(name), value, description)
            return default
        if check is not None and not check(value):
            self.problems.add(self._key(name), value, description)
            return default
        return value

    def integer(self, name: str, default: int, *, minimum: int | None = None, maximum: int | None = None,
                one_of: Iterable[int] | None = None, allowed: str | None = None) -> int:
        value = self._get(name)
        if value is _MISSING:
            return default
        description = allowed or _range_text(minimum, maximum)
        number = as_int(value)
        one_of = set(one_of) if one_of is not None else None
        if (number is None or (minimum is not None and number < minimum) or (maximum is not None and number > maximum)
                or (one_of is not None and number not in one_of)):
            self.problems.add(self._key(name), value, description)
            return default
        return number

    def log_retention_days(self, name: str, default: int) -> int:
        """A CloudWatch Logs retention period (days): every log group of the platform is read the same way."""
        return self.integer(name, default, one_of=LOG_RETENTION_DAYS,
                            allowed="one of the CloudWatch Logs retention periods: "
                                    + ", ".join(map(str, LOG_RETENTION_DAYS)))

    def number(self, name: str, default: float, *, minimum: float | None = None, maximum: float | None = None,
               step: float | None = None, allowed: str | None = None) -> float:
        value = self._get(name)
        if value is _MISSING:
            return default
        description = allowed or _range_text(minimum, maximum, "a number")
        number = _as_float(value)
        bad = number is None
        bad = bad or (minimum is not None and number < minimum) or (maximum is not None and number > maximum)
        # Exactly on the step (steps are binary fractions such as 0.5): a value a hair off it is refused, not passed on
        # for AWS to refuse at deploy.
        bad = bad or (step is not None and number / step != round(number / step))
        if bad:
            self.problems.add(self._key(name), value, description)
            return default
        return number

    def boolean(self, name: str, default: bool) -> bool:
        value = self._get(name)
        if value is _MISSING:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            # `pulumi config set --path` stores plain strings.
            return value.lower() == "true"
        self.problems.add(self._key(name), value, "true or false")
        return default

    def string_list(self, name: str, default: list[str], *, item_allowed: str = "a string",
                    check: Callable[[str], str | None] | None = None) -> list[str]:
        """A list of strings; ``check`` returns None when an item is fine, else what is allowed for it."""
        value = self._get(name)
        if value is _MISSING:
            return list(default)
        if not isinstance(value, list):
            self.problems.add(self._key(name), value, f"a list, each item {item_allowed}")
            return list(default)
        return [item for index, item in enumerate(value)
                if self._item_ok(f"{self._key(name)}[{index}]", item, item_allowed, check)]

    def string_map(self, name: str, *, item_allowed: str = "a string",
                   key_pattern: str | None = None, key_allowed: str = "a name",
                   check: Callable[[str], str | None] | None = None) -> dict[str, str]:
        value = self._get(name)
        if value is _MISSING:
            return {}
        if not isinstance(value, Mapping):
            self.problems.add(self._key(name), value, f"a mapping of {key_allowed} to {item_allowed}")
            return {}
        good: dict[str, str] = {}
        for key, item in value.items():
            item_key = f"{self._key(name)}.{key}"
            if key_pattern is not None and not re.fullmatch(key_pattern, str(key)):
                self.problems.add_text(item_key, f"the name {show(key)} is not allowed; allowed: {key_allowed}")
                continue
            if self._item_ok(item_key, item, item_allowed, check):
                good[str(key)] = item
        return good

    def _item_ok(self, key: str, item: Any, allowed: str, check: Callable[[str], str | None] | None) -> bool:
        """One item of a list or map: a string that `check` (None when fine, else what is allowed) accepts."""
        if not isinstance(item, str):
            self.problems.add(key, item, allowed)
            return False
        complaint = check(item) if check else None
        if complaint:
            self.problems.add(key, item, complaint)
            return False
        return True

    def raw_value(self, name: str) -> Any:
        """A value handed on as it is (e.g. a free-form parameter map); None when absent."""
        value = self._get(name)
        return None if value is _MISSING else value

    def section(self, name: str) -> Section:
        value = self._get(name)
        return Section(self.problems, self._key(name), None if value is _MISSING else value)

    def finish(self) -> None:
        """Report keys nobody read: almost always a typo of a real setting, or a setting of another section."""
        self.problems.known_keys.setdefault(self.key, set()).update(self.used)
        for name in sorted(set(self.raw) - self.used, key=str):
            self.problems.unknown_key(self.key, str(name), self.used)


def _quote_hint(name: str, value: Any) -> str:
    """A string setting given a number: YAML read an unquoted value as a number, and a float has already lost what
    was written (`16.10` arrives as 16.1, `3.0` as 3.0): the only fix is quoting it."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return ""
    return (f"; YAML read the unquoted value as the number {show(value)}, and a number loses trailing zeros (16.10 "
            f"is read as 16.1): quote it, written exactly as meant, e.g. {name}: \"16.10\"")


def _range_text(minimum: Any, maximum: Any, kind: str = "a whole number") -> str:
    if minimum is not None and maximum is not None:
        return f"{kind} from {_num(minimum)} to {_num(maximum)}"
    if minimum is not None:
        return f"{kind} of at least {_num(minimum)}"
    if maximum is not None:
        return f"{kind} of at most {_num(maximum)}"
    return kind


def _num(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def as_int(value: Any) -> int | None:
    """A whole number as YAML, JSON or `pulumi config set --path` (a string) may carry it; None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    return None


def _as_float(value: Any) -> float | None:
    """A finite number, or None: NaN and infinities are no setting's value (NaN would pass every range check)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | str):
        try:
            number = float(value)
        except (ValueError, OverflowError):
            return None
        return number if math.isfinite(number) else None
    return None
