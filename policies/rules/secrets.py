"""Secrets found by value: a known secret's plaintext in a property AWS shows in plain text, a non-secret export, or a
database master password that came from no secret source.

The policy SDK drops the secret marker before a rule sees a property (pulumi_policy deserialises with
`proxy_secrets=False`), and Pulumi's own propagation marks a whole task definition secret once any secret flows into
it, so "is this value secret?" cannot be answered from the props. Instead the offline gate (preflight) knows which
plaintexts are secret - secure config values, generated passwords, secret invoke results, values the program wrapped
with `Output.secret`, values of secret-accepting properties - and hands them to these rules through `evaluating()`.
Without that context (the real `pulumi preview --policy-pack`) the rules here see nothing and report nothing.

Only relative imports and no import of preflight: this module is loaded as `rules.secrets` by the CLI as well.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import re
import shlex
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, quote_plus

from pulumi_policy import ResourceValidationArgs

from ._base import MANDATORY, OURS, ResourceRule, StackRule, known_values

# A secret shorter than this is not searched for: "5432", "admin" or "true" would match everywhere. 8 is the shortest
# master password RDS, Aurora, DocumentDB and Redshift accept, so every real database password is searched for.
MIN_SECRET_LENGTH = 8

# Decoding base64 inside base64 inside JSON is as deep as real user data and task definitions go; the limits keep
# a hostile string from costing more than a few decodes.
_MAX_DEPTH = 3
_MAX_DECODED = 1 << 20


@dataclass(frozen=True)
class KnownSecret:
    """A plaintext the engine knows about. `origin` says where it came from (a config key, a resource and property, a
    program line) and never holds the value. `source`: the value was not written in the program (a secure config
    value, a generated value, a secret read at deploy time). `secret`: Pulumi treats it as secret, so it is searched
    for; a RandomString's result is a source but no secret (it names snapshots)."""

    plaintext: str
    origin: str
    source: bool = False
    secret: bool = True

    def __repr__(self) -> str:  # never leak the value into logs or assertion messages
        return f"KnownSecret([secret], origin={self.origin!r}, source={self.source}, secret={self.secret})"


@dataclass(frozen=True)
class SecretContext:
    """What the rules here read: the known secrets, and the stack's exports with secret ones still wrapped (any object
    named `Secret` with a `.value`, as preflight.engine.Secret)."""

    secrets: tuple[KnownSecret, ...] = ()
    exports: Mapping[str, Any] | None = None

    @classmethod
    def of(cls, known: Iterable[KnownSecret], resources: Iterable[Any] = (),
           exports: Mapping[str, Any] | None = None) -> SecretContext:
        """The engine's known secrets plus the values the program put into secret-accepting properties (a master
        password, a SecureString value: whatever the program wrote there is a secret, literal or not). Resources are
        duck-typed: `type`, `name`, `inputs`, `additional_secret_outputs`."""
        found: dict[str, KnownSecret] = {}
        # The property a value sits in names it better than the line that wrapped it, so those come first (a
        # source still names it whatever the order).
        for resource in resources:
            if getattr(resource, "external", False):
                continue
            inputs = unwrap(getattr(resource, "inputs", None) or {})
            secret_outputs = tuple(getattr(resource, "additional_secret_outputs", None) or ())
            for path, value in _leaves(inputs, ()):
                if isinstance(value, str) and secret_accepting(resource.type, path, inputs, secret_outputs):
                    short = resource.type.split(":")[-1]
                    _keep(found, KnownSecret(value, f"{short} '{resource.name}' {_render(path, inputs)}"))
        for secret in known:
            _keep(found, secret)
        return cls(tuple(found.values()), exports)

    @property
    def searched(self) -> tuple[KnownSecret, ...]:
        """The secrets searched for: long enough to mean something (MIN_SECRET_LENGTH)."""
        return tuple(s for s in self.secrets if s.secret and len(s.plaintext) >= MIN_SECRET_LENGTH)

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(s.plaintext for s in self.secrets if s.source and len(s.plaintext) >= MIN_SECRET_LENGTH)

    def leaks(self, text: str) -> bool:
        """True when `text` holds a known secret in any spelling searched for (for masking reports)."""
        return any(True for _ in _matches(text, self.searched, 0))


def _keep(found: dict[str, KnownSecret], given: Any) -> None:
    """One entry per plaintext: a secret if anything says so, a source if anything says so, named after its source
    when it has one (the literal check asks "did it come from a source", a finding names where the secret came from)."""
    plaintext = getattr(given, "plaintext", None)
    if not isinstance(plaintext, str) or not plaintext:
        return
    secret = KnownSecret(plaintext, str(given.origin), bool(getattr(given, "source", False)),
                         bool(getattr(given, "secret", True)))
    current = found.get(plaintext)
    if current is not None:
        origin = current.origin if current.source or not secret.source else secret.origin
        secret = KnownSecret(plaintext, origin, current.source or secret.source, current.secret or secret.secret)
    found[plaintext] = secret


_CONTEXT: ContextVar[SecretContext | None] = ContextVar("aurora_platform_known_secrets", default=None)


@contextmanager
def evaluating(context: SecretContext | None) -> Iterator[None]:
    """Make `context` what the rules read while the pack evaluates (None: the rules stay silent)."""
    token = _CONTEXT.set(context)
    try:
        yield
    finally:
        _CONTEXT.reset(token)


def current() -> SecretContext | None:
    return _CONTEXT.get()


def is_secret(value: Any) -> bool:
    return type(value).__name__ == "Secret" and hasattr(value, "value")


def unwrap(value: Any) -> Any:
    if is_secret(value):
        return unwrap(value.value)
    if isinstance(value, Mapping):
        return {k: unwrap(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [unwrap(v) for v in value]
    return value


# --- which properties accept a secret -------------------------------------------------------------------------------
# Properties whose value AWS keeps secret (encrypted, write-only, never shown): a secret belongs here. Paths are wire
# names; "*" is any list item. Everything else a resource holds - environment, command, user data, tags, descriptions,
# names, SSM String values, policies - AWS stores and shows in plain text.
SECRET_ACCEPTING: Mapping[str, tuple[tuple[str, ...], ...]] = {
    "aws:rds/cluster:Cluster": (("masterPassword",), ("masterPasswordWo",)),
    "aws:rds/instance:Instance": (("password",), ("passwordWo",)),
    "aws:docdb/cluster:Cluster": (("masterPassword",), ("masterPasswordWo",)),
    "aws:redshift/cluster:Cluster": (("masterPassword",), ("masterPasswordWo",)),
    "aws:secretsmanager/secretVersion:SecretVersion": (("secretString",), ("secretStringWo",), ("secretBinary",)),
    "aws:elasticache/replicationGroup:ReplicationGroup": (("authToken",), ("authTokenWo",)),
    "aws:elasticache/user:User": (("passwords", "*"),),
    "aws:mq/broker:Broker": (("users", "*", "password"),),
    "aws:opensearch/domain:Domain": (("advancedSecurityOptions", "masterUserOptions", "masterUserPassword"),),
    "aws:kms/ciphertext:Ciphertext": (("plaintext",), ("plaintextWo",)),
    "aws:directoryservice/directory:Directory": (("password",),),
    # The provider's credentials; its defaultTags land on every resource, in plain text.
    "pulumi:providers:aws": (("accessKey",), ("secretKey",), ("token",), ("assumeRoleWithWebIdentity",)),
}
PARAMETER = "aws:ssm/parameter:Parameter"
# An SSM parameter's value is secret only as a SecureString; the SDK marks `value` secret for every type, but AWS
# shows a String or StringList value to anyone who may describe it.
_PARAMETER_VALUES = ("value", "valueWo")
# For types not listed above: a top-level property the provider itself declares secret (additionalSecretOutputs)
# with a secret's name. The name test keeps a program from exempting `containerDefinitions` by listing it there.
_SECRET_NAME = re.compile(r"password|passphrase|secret|token|private_?key|credential", re.IGNORECASE)


def secret_accepting(type_token: str, path: Sequence[Any], props: Mapping[str, Any],
                     secret_outputs: Sequence[str] = ()) -> bool:
    """True when the property at `path` is one where AWS keeps a secret secret."""
    if not path:
        return False
    top = path[0]
    if type_token == PARAMETER:
        return top in _PARAMETER_VALUES and str(props.get("type")) == "SecureString"
    shape = tuple("*" if isinstance(p, int) else p for p in path)
    listed = SECRET_ACCEPTING.get(type_token)
    if listed is not None:
        return any(shape[:len(accepted)] == accepted for accepted in listed)
    return top in secret_outputs and bool(_SECRET_NAME.search(str(top)))


# --- finding a secret in a value -----------------------------------------------------------------------------------
@functools.lru_cache(maxsize=1024)
def _spellings(secret: str) -> tuple[tuple[str, str], ...]:
    """The secret as written and the encodings a program plausibly wraps it in on the way into a URL, JSON, a shell
    variable or user data. Searched as substrings; whole blobs (base64 user data) are decoded instead."""
    raw = secret.encode()
    candidates = [
        ("as written", secret),
        ("URL-encoded", quote(secret, safe="")),
        ("URL-encoded", quote(secret)),  # urllib's default keeps "/"
        ("form-encoded", quote_plus(secret)),
        ("shell-quoted", shlex.quote(secret)),
        ("JSON-escaped", json.dumps(secret)[1:-1]),
        ("base64", base64.b64encode(raw).decode().rstrip("=")),
        ("base64url", base64.urlsafe_b64encode(raw).decode().rstrip("=")),
        ("hex", raw.hex()),
    ]
    seen: set[str] = set()
    spellings = []
    for how, needle in candidates:
        if needle not in seen:
            seen.add(needle)
            spellings.append((how, needle))
    return tuple(spellings)


_BASE64 = re.compile(r"[A-Za-z0-9+/_-]+={0,2}")


def _decoded(text: str) -> str | None:
    """The text a base64 (optionally gzip-compressed) string carries, as EC2 and launch-template user data do."""
    compact = "".join(text.split())
    if len(compact) < 12 or not _BASE64.fullmatch(compact):
        return None
    padded = compact + "=" * (-len(compact) % 4)
    try:
        data = base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        return None
    if data[:2] == b"\x1f\x8b":
        try:
            data = zlib.decompressobj(wbits=31).decompress(data, _MAX_DECODED)
        except zlib.error:
            return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _json(text: str) -> Any:
    stripped = text.strip()
    if not stripped or stripped[0] not in "[{":
        return None
    try:
        return json.loads(stripped)
    except ValueError:
        return None


def _matches(text: str, secrets: Sequence[KnownSecret], depth: int) -> Iterator[tuple[KnownSecret, str]]:
    """Each secret found in `text` once: in the first spelling that matches, else inside the base64 `text` is."""
    missing = []
    folded = text.casefold()
    for secret in secrets:
        how = next((how for how, needle in _spellings(secret.plaintext) if needle in text), None)
        if how is None and secret.plaintext.casefold() in folded:
            how = "in another case"  # .upper() or .lower() hides nothing of a secret of 8+ characters
        if how is None:
            missing.append(secret)
        else:
            yield secret, how
    if depth >= _MAX_DEPTH or not missing:
        return
    decoded = _decoded(text)
    if decoded is not None:
        for secret, how in _matches(decoded, missing, depth + 1):
            yield secret, f"{how}, inside base64"


@dataclass(frozen=True)
class Finding:
    path: str
    secret: KnownSecret
    how: str
    whole: bool  # the secret is the entire top-level property (the program hid that whole property)


def find(props: Mapping[str, Any], secrets: Sequence[KnownSecret],
         skip: Any = None) -> Iterator[Finding]:
    """Every place in `props` that holds one of `secrets`; JSON strings (containerDefinitions) are searched as the
    structure they encode, so the path names the container and variable. `skip(path)` leaves a property out."""
    for key in list(props):
        value = props[key]
        yield from _find_in(value, (key,), props, secrets, skip, 0, value)


def _find_in(value: Any, path: tuple[Any, ...], props: Mapping[str, Any], secrets: Sequence[KnownSecret],
             skip: Any, depth: int, top: Any) -> Iterator[Finding]:
    if skip is not None and skip(path):
        return
    if isinstance(value, Mapping):
        for k, v in value.items():
            yield from _find_in(v, (*path, k), props, secrets, skip, depth, top)
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            yield from _find_in(v, (*path, i), props, secrets, skip, depth, top)
    elif isinstance(value, str):
        decoded = _json(value) if depth < _MAX_DEPTH else None
        if isinstance(decoded, (Mapping, list)):
            yield from _find_in(decoded, path, props, secrets, skip, depth + 1, top)
            return
        rendered = _render(path, props)
        for secret, how in _matches(value, secrets, 0):
            yield Finding(rendered, secret, how, whole=len(path) == 1 and value == top == secret.plaintext)


def _render(path: Sequence[Any], props: Mapping[str, Any]) -> str:
    """`containerDefinitions[app].environment[DB_PW].value`: a list item with a `name` is shown by its name."""
    text = ""
    node: Any = props
    for part in path:
        if isinstance(part, int):
            item = node[part] if isinstance(node, list) and part < len(node) else None
            name = item.get("name") if isinstance(item, Mapping) else None
            text += f"[{name}]" if isinstance(name, str) and name else f"[{part}]"
            node = item
        else:
            text += f".{part}" if text else str(part)
            node = node.get(part) if isinstance(node, Mapping) else None
            if isinstance(node, str):
                node = _json(node) or node
    return text


def _leaves(value: Any, path: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], Any]]:
    if isinstance(value, Mapping):
        for k, v in value.items():
            yield from _leaves(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _leaves(v, (*path, i))
    else:
        yield path, value



# --- the rules ------------------------------------------------------------------------------------------------------
def _describe(finding: Finding) -> str:
    spelled = "" if finding.how == "as written" else f" ({finding.how})"
    return f"{finding.path} holds the secret from {finding.secret.origin}{spelled}"


def _plain_text(props: Mapping[str, Any], args: ResourceValidationArgs) -> Iterator[str]:
    context = current()
    if context is None:
        return
    secrets = context.searched
    if not secrets:
        return
    plain = known_values(props)
    secret_outputs = tuple(getattr(args.opts, "additional_secret_outputs", None) or ())

    def skip(path: tuple[Any, ...]) -> bool:
        return secret_accepting(args.resource_type, path, plain, secret_outputs)

    # The logical name is in the URN, which Pulumi and the provider's autonaming show everywhere.
    for secret, how in _matches(args.name, secrets, 0):
        spelled = "" if how == "as written" else f" ({how})"
        yield f"the resource's name holds the secret from {secret.origin}{spelled}; name it without the secret."
    reported: set[tuple[str, str]] = set()
    for finding in find(plain, secrets, skip):
        # A value the program itself wrapped with Output.secret and passed as a whole property (user_data=
        # Output.secret(script)) hides that property: it is not the secret of something else leaking into it.
        if finding.whole and not finding.secret.source:
            continue
        if (finding.path, finding.secret.plaintext) in reported:
            continue
        reported.add((finding.path, finding.secret.plaintext))
        yield (f"{_describe(finding)}; AWS shows this property in plain text. Pass the secret by reference instead "
               f"(ECS secrets[].valueFrom, an SSM SecureString or Secrets Manager secret read at run time).")


def _exports(resources: list[Any], _args: Any) -> Iterator[tuple[str, str | None]]:
    context = current()
    if context is None or not context.exports or not context.searched:
        return
    secrets = context.searched
    for name, value in context.exports.items():
        for path, leaf in _plain_leaves(value, (name,)):
            if not isinstance(leaf, str):
                continue
            label = ".".join(str(p) for p in path)
            for secret, how in _matches(leaf, secrets, 0):
                spelled = "" if how == "as written" else f" ({how})"
                yield (f"export {label} is not marked secret but holds the secret from {secret.origin}{spelled}; "
                       f"export it with pulumi.Output.secret(...) or not at all.", None)


def _plain_leaves(value: Any, path: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """Leaves of an export that are not inside a secret (a secret export is stored encrypted and shown masked)."""
    if is_secret(value):
        return
    if isinstance(value, Mapping):
        for k, v in value.items():
            yield from _plain_leaves(v, (*path, k))
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            yield from _plain_leaves(v, (*path, i))
    else:
        yield path, value


# Database passwords the program must take from a secret source, by type.
PASSWORDS: Mapping[str, tuple[str, ...]] = {
    "aws:rds/cluster:Cluster": ("masterPassword", "masterPasswordWo"),
    "aws:rds/instance:Instance": ("password", "passwordWo"),
    "aws:docdb/cluster:Cluster": ("masterPassword", "masterPasswordWo"),
    "aws:redshift/cluster:Cluster": ("masterPassword", "masterPasswordWo"),
}


def _hard_coded_password(props: Mapping[str, Any], args: ResourceValidationArgs) -> Iterator[str]:
    context = current()
    if context is None:
        return
    sources = context.sources
    for key in PASSWORDS.get(args.resource_type, ()):
        if not any(k == key for k in props):
            continue
        value = unwrap(props[key])
        if not isinstance(value, str):
            continue
        if not any(source in value for source in sources):
            yield (f"{key} is not from a secret source: it is written in the program or its plain config. Set "
                   f"manageMasterUserPassword, or take it from a RandomPassword or a secure config value.")


class _AnyAwsResourceRule(ResourceRule):
    """A resource rule for every `aws:` type and the AWS provider: a secret can land in a tag or description of
    anything, and the provider's default tags on everything."""

    def _validate(self, args: ResourceValidationArgs, report: Any) -> None:
        if args.resource_type.startswith("aws:") or args.resource_type == "pulumi:providers:aws":
            for message in self._check(args.props, args):
                report(message, None)


POLICIES = [
    _AnyAwsResourceRule(
        "secret-value-not-in-plain-text",
        "A secret's value must never land in a property AWS shows in plain text, whatever it is called",
        (OURS, "related Security Hub ECS.8", "related Checkov CKV_AWS_46"), MANDATORY, ("aws:*",), _plain_text),
    StackRule(
        "secret-value-not-in-plain-export",
        "A stack export holding a secret's value must be marked secret",
        (OURS,), MANDATORY, ("aws:*",), _exports),
    ResourceRule(
        "database-password-not-hard-coded",
        "Database master passwords must come from a secret source, not from the program's text",
        (OURS,), MANDATORY, tuple(PASSWORDS), _hard_coded_password),
]
