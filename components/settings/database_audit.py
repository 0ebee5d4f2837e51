"""`aurora-platform:database.audit`: who changed what, written by the engine to the exported log.

PostgreSQL: the `pgaudit` library preloaded (`shared_preload_libraries`), what to log (`pgaudit.log` classes) and the
role whose grants select object auditing (`pgaudit.role`). MySQL: the server audit plugin (`server_audit_logging`,
`server_audit_events`). Both land in the log export the cluster already has (`postgresql`, `audit`).

The parameters this section owns cannot also be set through `parameters`: two places for one value would let one
silently win over the other (an audit turned off by a leftover `server_audit_logging: 0`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .reader import Problems, Section, show

# pgaudit's session classes (pgaudit README, "pgaudit.log"); a leading "-" excludes a class ("all, -misc").
PGAUDIT_CLASSES = ("read", "write", "function", "role", "ddl", "misc", "misc_set", "all")
# server_audit_events values Aurora MySQL 3 takes (Aurora User Guide, "Using Advanced Auditing with an Amazon Aurora
# MySQL DB cluster").
SERVER_AUDIT_EVENTS = ("CONNECT", "QUERY", "QUERY_DCL", "QUERY_DDL", "QUERY_DML", "QUERY_DML_NO_SELECT", "TABLE")
# A PostgreSQL role name as this stack accepts it (unquoted identifier, lower case, at most 63 characters).
ROLE_PATTERN = r"[a-z_][a-z0-9_]{0,62}"
# Parameters set only through `audit` (compared in lower case: parameter names are case-insensitive in RDS).
OWNED_PARAMETERS = {
    "aurora-postgresql": ("pgaudit.log", "pgaudit.role"),
    "aurora-mysql": ("server_audit_logging", "server_audit_events"),
}


@dataclass(frozen=True)
class Audit:
    enabled: bool = False
    # Session audit classes for pgaudit.log. ddl + role: schema and privilege changes, little volume; "write" and
    # "read" log every statement of that kind, with the literal values written in it.
    pgaudit_log: tuple[str, ...] = ("ddl", "role")
    pgaudit_role: str = "rds_pgaudit"
    server_audit_events: tuple[str, ...] = ("CONNECT", "QUERY_DCL", "QUERY_DDL")


def parse_audit(section: Section, engine: str, production: bool, parameters: dict[str, str]) -> Audit:
    """`section` is `database`; reads `database.audit`. `parameters`: the cluster parameters the user set."""
    sub = section.section("audit")
    problems = sub.problems
    defaults = Audit()
    # MySQL's server audit plugin has always been on in every stack here; pgaudit is on by default in production.
    enabled = sub.boolean("enabled", production or engine == "aurora-mysql")
    postgres = engine == "aurora-postgresql"

    def engine_only(name: str, wanted: str) -> None:
        if sub.has(name) and engine != wanted:
            problems.add_text(f"{sub.key}.{name}", f"applies to engine {wanted} only; engine is "
                                                   f"{problems.shown(f'{section.key}.engine', engine)}")

    engine_only("pgauditLog", "aurora-postgresql")
    engine_only("pgauditRole", "aurora-postgresql")
    engine_only("serverAuditEvents", "aurora-mysql")

    def pgaudit_class(item: str) -> str | None:
        name = item[1:] if item.startswith("-") else item
        if name in PGAUDIT_CLASSES:
            return None
        return ("a pgaudit class in lower case, " + ", ".join(PGAUDIT_CLASSES)
                + " (a leading - excludes one, e.g. -misc)")

    def audit_event(item: str) -> str | None:
        return None if item in SERVER_AUDIT_EVENTS else "one of " + ", ".join(SERVER_AUDIT_EVENTS)

    log = sub.string_list("pgauditLog", list(defaults.pgaudit_log), item_allowed="a pgaudit class",
                          check=pgaudit_class)
    role = sub.string("pgauditRole", defaults.pgaudit_role, pattern=ROLE_PATTERN,
                      allowed="a PostgreSQL role name: a lower-case letter or _, then up to 62 lower-case letters, "
                              "digits or _ (the role is created once in the database, see docs/database.md)")
    events = sub.string_list("serverAuditEvents", list(defaults.server_audit_events),
                             item_allowed="a server audit event", check=audit_event)
    sub.finish()

    for name, items in (("pgauditLog", log), ("serverAuditEvents", events)):
        if not sub.has(name):
            continue
        if sub.raw.get(name) == []:
            problems.add_text(f"{sub.key}.{name}", "is empty; allowed: at least one item (audit.enabled: false "
                                                   "turns auditing off)")
        seen = [i.removeprefix("-") for i in items]
        if len(set(seen)) != len(seen):
            problems.add_text(f"{sub.key}.{name}", "names an item twice; allowed: each item once")
    if postgres and log and all(item.startswith("-") for item in log):
        problems.add_text(f"{sub.key}.pgauditLog", "only excludes classes, so nothing would be logged; allowed: at "
                                                   "least one class to log, e.g. [all, -misc]")

    for parameter in parameters:
        if parameter.lower() in OWNED_PARAMETERS.get(engine, ()):
            problems.add_text(f"{section.key}.parameters.{parameter}",
                              f"is set through {sub.key} (enabled, "
                              + ("pgauditLog, pgauditRole" if postgres else "serverAuditEvents")
                              + "); allowed: remove it from parameters")
        if postgres and parameter.lower() == "shared_preload_libraries":
            _check_libraries(problems, f"{section.key}.parameters.{parameter}", parameters[parameter])
    return Audit(enabled=enabled, pgaudit_log=tuple(log), pgaudit_role=role, server_audit_events=tuple(events))


def _check_libraries(problems: Problems, key: str, text: str) -> None:
    if not _libraries_ok(text):
        problems.add_text(key, f"got {problems.shown(key, text)}; allowed: a comma-separated list of library names "
                               f"(pgaudit is added by audit.enabled)")
    elif text != text.lower():
        # PostgreSQL loads each library by its file name (shared_preload_libraries is read as for LOAD), and every
        # library Aurora PostgreSQL preloads is named in lower case: "PGAUDIT" names none, and the audit that
        # counted on it would not be loaded.
        hint = "" if problems.is_secret(key) else f" Did you mean {show(text.lower())}?"
        problems.add_text(key, f"got {problems.shown(key, text)}; allowed: library names in lower case (PostgreSQL "
                               f"loads a library by its file name, and Aurora PostgreSQL's are in lower case).{hint}")


def _libraries_ok(text: str) -> bool:
    return all(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", part.strip()) for part in text.split(","))
