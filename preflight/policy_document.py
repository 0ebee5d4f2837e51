"""`aws.iam.get_policy_document` as the AWS provider (terraform-provider-aws, `aws_iam_policy_document`) computes it.

The rules judge the JSON the program hands to a policy resource, so the offline answer must contain exactly the
statements the real data source would: a statement hidden in a source or override document has to reach the rules.
The provider's order of work, reproduced here:

1. `sourcePolicyDocuments`, in order, are merged into an empty document; a Sid used twice across them is an error.
2. The data source's own `statements` (and `version`, `policyId`) are merged on top: a statement whose Sid is already
   present replaces that statement in place, one without a Sid (or with a new Sid) is appended.
3. `overridePolicyDocuments`, in order, are merged the same way, so an override with a Sid replaces that statement.

Merging also adopts a non-empty `Id` and lets a later document raise `Version` (string comparison). Source and
override JSON is read the way Go's `encoding/json` fills the provider's structs: element names match
case-insensitively and the last duplicate wins, values of `Action`/`Resource`/... are kept as written, any string
`Principal` becomes `"*"`, condition values that are neither strings, booleans nor lists of strings are dropped.
The own `statements` are sets in the provider's schema: duplicates disappear, one value is written as a string and
several as a list sorted in reverse; `&{...}` becomes `${...}` in resources, principals and condition values.
The JSON is Go's: two-space indent, `<`, `>` and `&` escaped, and the id is the CRC-32 of the JSON text.
"""

from __future__ import annotations

import json
import re
import zlib
from typing import Any

VERSIONS = ("2008-10-17", "2012-10-17")
_SID = re.compile(r"^[a-zA-Z0-9]*$")
# The order of the provider's struct fields, which is the order Go writes them in.
_DOC_FIELDS = ("Version", "Id", "Statement")
_STATEMENT_FIELDS = ("Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Principal",
                     "NotPrincipal", "Condition")


class PolicyDocumentError(Exception):
    """The provider refuses the arguments; the message is the provider's."""


class _Object(list):
    """A JSON object as its (key, value) pairs in document order, so duplicate keys stay visible."""


def render(args: dict[str, Any]) -> dict[str, Any]:
    """The invoke's result (`id`, `json`, `minifiedJson`) for the invoke's wire arguments (camelCase)."""
    for deprecated in ("sourceJson", "overrideJson"):
        if args.get(deprecated):
            snake = re.sub(r"[A-Z]", lambda m: "_" + m.group().lower(), deprecated)
            raise PolicyDocumentError(f'expected "{snake}" to be an empty string, got {args[deprecated]}')
    merged: dict[str, Any] = {"Version": "", "Id": "", "Statement": []}
    seen: set[str] = set()
    for index, text in enumerate(args.get("sourcePolicyDocuments") or []):
        if text is None:
            continue
        where = f"writing IAM Policy Document: merging source document {index}"
        document = _read(text, where)
        for position, statement in enumerate(document["Statement"]):
            sid = statement.get("Sid", "")
            if sid:
                if sid in seen:
                    raise PolicyDocumentError(
                        f"{where}: duplicate Sid ({sid}) in source_policy_documents (statement {position}). "
                        f"Remove the Sid or ensure Sids are unique.")
                seen.add(sid)
        _merge(merged, document)
    _merge(merged, _own_document(args))
    for index, text in enumerate(args.get("overridePolicyDocuments") or []):
        if text is not None:
            _merge(merged, _read(text, f"writing IAM Policy Document: merging override document {index}"))
    document = {key: merged[key] for key in _DOC_FIELDS if merged[key]}
    pretty = _go_json(json.dumps(document, indent=2, ensure_ascii=False))
    return {"id": str(zlib.crc32(pretty.encode())), "json": pretty,
            "minifiedJson": _go_json(json.dumps(document, separators=(",", ":"), ensure_ascii=False))}


def _go_json(text: str) -> str:
    """Go's encoder escapes these for HTML safety; Python's does not."""
    for raw, escaped in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"), ("\u2028", "\\u2028"),
                         ("\u2029", "\\u2029")):
        text = text.replace(raw, escaped)
    return text


def _merge(into: dict[str, Any], document: dict[str, Any]) -> None:
    if document["Id"]:
        into["Id"] = document["Id"]
    if document["Version"] > into["Version"]:
        into["Version"] = document["Version"]
    statements: list[dict[str, Any]] = into["Statement"]
    for statement in document["Statement"]:
        sid = statement.get("Sid", "")
        same = next((i for i, s in enumerate(statements) if sid and s.get("Sid", "") == sid), None)
        if same is None:
            statements.append(statement)
        else:
            statements[same] = statement


# ---- the data source's own arguments --------------------------------------------------------------------------

def _own_document(args: dict[str, Any]) -> dict[str, Any]:
    version = args.get("version") or "2012-10-17"
    if version not in VERSIONS:
        raise PolicyDocumentError(f'expected version to be one of ["2008-10-17" "2012-10-17"], got {version}')
    statements = []
    sids: set[str] = set()
    for index, given in enumerate(args.get("statements") or []):
        given = given or {}
        effect = given.get("effect") or "Allow"
        if effect not in ("Allow", "Deny"):
            raise PolicyDocumentError(
                f'expected statement.{index}.effect to be one of ["Allow" "Deny"], got {effect}')
        statement: dict[str, Any] = {"Effect": effect}
        sid = given.get("sid") or ""
        if not _SID.match(sid):
            raise PolicyDocumentError(f"statement.{index}.sid: must only include alphanumeric characters")
        if sid in sids:
            raise PolicyDocumentError(
                f"writing IAM Policy Document: duplicate Sid ({sid}). Remove the Sid or ensure the Sid is unique.")
        if sid:
            sids.add(sid)
            statement["Sid"] = sid
        for wire, field, variables in (("actions", "Action", False), ("notActions", "NotAction", False),
                                       ("resources", "Resource", True), ("notResources", "NotResource", True)):
            values = given.get(wire) or []
            if values:
                statement[field] = _set_of_strings([_variables(v, version) if variables else v for v in values])
        for wire, field in (("principals", "Principal"), ("notPrincipals", "NotPrincipal")):
            principals = []
            for principal in _unique(given.get(wire) or []):
                identifiers = [_variables(i, version) for i in principal.get("identifiers") or []]
                if not identifiers:
                    raise PolicyDocumentError(f'statement.{index}.{wire}: "identifiers": required field is not set')
                principals.append((principal["type"], _set_of_strings(identifiers)))
            if principals:
                statement[field] = principals
        conditions = []
        for condition in _unique(given.get("conditions") or []):
            values = [_variables(v, version) for v in condition.get("values") or []]
            conditions.append((condition["test"], condition["variable"], values[0] if len(values) == 1 else values))
        if conditions:
            statement["Condition"] = conditions
        statements.append(_marshal_statement(statement))
    return {"Version": version, "Id": args.get("policyId") or "", "Statement": statements}


def _unique(blocks: list[Any]) -> list[Any]:
    """A set of blocks: an identical block given twice is one block."""
    out: list[Any] = []
    for block in blocks:
        if block not in out:
            out.append(block)
    return out


def _set_of_strings(values: list[str]) -> str | list[str]:
    """A string set as the provider writes it: one value as a string, several sorted in reverse."""
    unique = sorted(set(values), reverse=True)
    return unique[0] if len(unique) == 1 else unique


def _variables(value: str, version: str) -> str:
    if version == "2008-10-17" and "&{" in value:
        raise PolicyDocumentError(
            f"found &{{ sequence in ({value}), which is not supported in document version 2008-10-17")
    return value.replace("&{", "${")


# ---- source and override documents (Go's json.Unmarshal into the provider's structs) ---------------------------

def _read(text: Any, where: str) -> dict[str, Any]:
    try:
        raw = json.loads(text, object_pairs_hook=_Object)
    except (TypeError, ValueError) as error:
        raise PolicyDocumentError(f"{where}: {error}") from None
    top = _fields(raw, _DOC_FIELDS, f"{where}: json: cannot unmarshal {_kind(raw)} into Go value of type "
                                    f"iam.IAMPolicyDoc")
    statements = top.get("Statement")
    if statements is None:
        statements = []
    elif isinstance(statements, _Object) or not isinstance(statements, list):
        raise PolicyDocumentError(f"{where}: json: cannot unmarshal {_kind(statements)} into Go struct field "
                                  f"IAMPolicyDoc.Statement of type []*iam.IAMPolicyStatement")
    document = {"Version": _string(top.get("Version"), "Version", where), "Id": _string(top.get("Id"), "Id", where),
                "Statement": []}
    for raw_statement in statements:
        if raw_statement is None:
            raise PolicyDocumentError(f"{where}: a null statement (the provider fails on it)")
        fields = _fields(raw_statement, _STATEMENT_FIELDS, f"{where}: json: cannot unmarshal "
                                                           f"{_kind(raw_statement)} into Go struct field "
                                                           f"IAMPolicyDoc.Statement of type iam.IAMPolicyStatement")
        statement: dict[str, Any] = {}
        for field in ("Sid", "Effect"):
            value = _string(fields.get(field), field, where)
            if value:
                statement[field] = value
        for field in ("Action", "NotAction", "Resource", "NotResource"):
            if fields.get(field) is not None:
                statement[field] = _plain(fields[field])
        for field in ("Principal", "NotPrincipal"):
            if fields.get(field) is not None:
                principals = _read_principals(fields[field], where)
                if principals:
                    statement[field] = principals
        if fields.get("Condition") is not None:
            conditions = _read_conditions(fields["Condition"], where)
            if conditions:
                statement["Condition"] = conditions
        document["Statement"].append(_marshal_statement(statement))
    return document


def _fields(pairs: Any, names: tuple[str, ...], error: str) -> dict[str, Any]:
    """An object's fields matched to `names` as Go does: exact or case-insensitive, the last duplicate wins."""
    if not isinstance(pairs, _Object):
        raise PolicyDocumentError(error)
    folded = {name.casefold(): name for name in names}
    out: dict[str, Any] = {}
    for key, value in pairs:
        name = folded.get(key.casefold())
        if name is not None:
            out[name] = value
    return out


def _plain(value: Any) -> Any:
    """A value kept as written (an object inside an Action stays an object, the last duplicate key wins)."""
    if isinstance(value, _Object):
        return {k: _plain(v) for k, v in value}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _kind(value: Any) -> str:
    if isinstance(value, _Object):
        return "object"
    if isinstance(value, list):
        return "array"
    return {str: "string", bool: "bool", type(None): "null"}.get(type(value), "number")


def _string(value: Any, field: str, where: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise PolicyDocumentError(f"{where}: json: cannot unmarshal {_kind(value)} into Go struct field "
                                  f"{field} of type string")
    return value


def _read_principals(raw: Any, where: str) -> list[tuple[str, Any]]:
    if isinstance(raw, str):
        return [("*", ["*"])]
    if not isinstance(raw, _Object):
        raise PolicyDocumentError(f"{where}: Unsupported data type for IAMPolicyStatementPrincipalSet")
    principals: dict[str, Any] = {}
    for kind, value in raw:  # a duplicate principal type: the last one wins (a Go map)
        if isinstance(value, str):
            principals[kind] = value
        elif isinstance(value, list) and not isinstance(value, _Object):
            for i, item in enumerate(value):
                if not isinstance(item, str):
                    raise PolicyDocumentError(
                        f"{where}: Unsupported element type for IAMPolicyStatementPrincipalSet.Identifiers[{i}] "
                        f'(principal type "{kind}"): must be string')
            principals[kind] = sorted(value)
        else:
            raise PolicyDocumentError(f"{where}: Unsupported data type for IAMPolicyStatementPrincipalSet.Identifiers")
    return list(principals.items())


def _read_conditions(raw: Any, where: str) -> list[tuple[str, str, Any]]:
    error = f"{where}: json: cannot unmarshal {_kind(raw)} into Go value of type map[string]map[string]interface {{}}"
    if not isinstance(raw, _Object):
        raise PolicyDocumentError(error)
    tests: dict[str, dict[str, Any]] = {}
    for test, variables in raw:
        if variables is None:
            tests[test] = {}
            continue
        if not isinstance(variables, _Object):
            raise PolicyDocumentError(error)
        tests[test] = dict(variables)
    conditions = []
    for test, variables in tests.items():
        for variable, values in variables.items():
            if isinstance(values, str):
                conditions.append((test, variable, [values]))
            elif isinstance(values, bool):
                conditions.append((test, variable, "true" if values else "false"))
            elif isinstance(values, list) and not isinstance(values, _Object):
                if any(not isinstance(v, str) for v in values):
                    raise PolicyDocumentError(f"{where}: condition {test} {variable}: values must be strings "
                                              f"(the provider fails on other values)")
                conditions.append((test, variable, list(values)))
            # Numbers, objects and null are dropped by the provider, so the condition disappears.
    return conditions


# ---- writing (the provider's MarshalJSON) ----------------------------------------------------------------------

def _marshal_statement(statement: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for field in _STATEMENT_FIELDS:
        if field not in statement:
            continue
        value = statement[field]
        if field in ("Principal", "NotPrincipal"):
            value = _marshal_principals(value)
        elif field == "Condition":
            value = _marshal_conditions(value)
        out[field] = value
    return out


def _marshal_principals(principals: list[tuple[str, Any]]) -> Any:
    if len(principals) == 1:
        kind, identifiers = principals[0]
        if kind == "*" and identifiers in ("*", ["*"]):
            return "*"
    raw: dict[str, Any] = {}
    for kind, identifiers in principals:
        current = raw.get(kind)
        if isinstance(identifiers, list):
            ordered = sorted(identifiers, reverse=True)
            raw[kind] = ([] if current is None else [current] if isinstance(current, str) else current) + ordered
        elif current is None:
            raw[kind] = identifiers
        else:
            raw[kind] = ([current] if isinstance(current, str) else current) + [identifiers]
    return dict(sorted(raw.items()))


def _marshal_conditions(conditions: list[tuple[str, str, Any]]) -> dict[str, Any]:
    raw: dict[str, dict[str, list[str]]] = {}
    for test, variable, values in conditions:
        raw.setdefault(test, {}).setdefault(variable, [])
        raw[test][variable] += values if isinstance(values, list) else [values]
    return {test: {variable: values[0] if len(values) == 1 else values
                   for variable, values in sorted(variables.items())}
            for test, variables in sorted(raw.items())}
