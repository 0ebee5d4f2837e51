"""`aurora-platform:database.writeForwarding`: readers that accept writes and forward them, and how fresh their reads
are.

- `local: true` sets `EnableLocalWriteForwarding`: the cluster's readers forward INSERT/UPDATE/DELETE to its writer
  (Aurora MySQL 3.04+, Aurora PostgreSQL 16.4+, 15.8+, 14.13+).
- `global: true` sets `EnableGlobalWriteForwarding` on a global database secondary (`global.role: secondary`): its
  instances forward writes to the primary cluster in the other region (Aurora MySQL 3, Aurora PostgreSQL 16+, 15.4+,
  14.9+).
- `readConsistency` (`eventual`, `session`, `global`) sets the cluster parameter that says how long a read on a
  forwarding reader waits for replication: `aurora_replica_read_consistency` (Aurora MySQL, which forwards nothing
  while it is empty) or `apg_write_forward.consistency_mode` (Aurora PostgreSQL, SESSION by default). Sent whenever
  forwarding is on, so the value is the stack's and not an engine default.

Off by default in every stack: forwarded writes wait on the writer (or another region) and load it, and some
statements are refused on a forwarding reader (DDL, SAVEPOINT, sequence updates such as nextval() on PostgreSQL), so
an application must be written for it. docs/database.md, "Write forwarding", has the sources.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .reader import Section

CONSISTENCY = ("eventual", "session", "global")
# engine -> the cluster parameter holding the read consistency (values in upper case, as the user guides write them).
CONSISTENCY_PARAMETER = {"aurora-mysql": "aurora_replica_read_consistency",
                         "aurora-postgresql": "apg_write_forward.consistency_mode"}
# The first versions of each PostgreSQL major with local write forwarding (Aurora User Guide, "Local write forwarding
# in Aurora PostgreSQL"); later majors are taken to keep it.
POSTGRES_LOCAL = {14: 13, 15: 8, 16: 4}
# Global write forwarding on Aurora PostgreSQL: every 16.x and later, 15.4+, 14.9+ (Aurora User Guide, "Using write
# forwarding in an Aurora PostgreSQL global database").
POSTGRES_GLOBAL = {14: 9, 15: 4, 16: 0}
MYSQL_LOCAL = (3, 4, 0)  # "Local write forwarding requires Aurora MySQL version 3.04 or higher"


@dataclass(frozen=True)
class WriteForwarding:
    local: bool = False
    global_: bool = False
    read_consistency: str | None = None  # None: forwarding off, nothing sent
    # parameter -> value for the cluster parameter group (empty when forwarding is off)
    cluster_parameters: dict[str, str] = field(default_factory=dict)

    @property
    def enabled(self) -> bool:
        return self.local or self.global_


def _postgres_from(version: str, table: dict[int, int]) -> bool:
    major, minor = (int(p) for p in version.split(".")[:2])
    newest = max(table)
    return major > newest or (major in table and minor >= table[major])


def _mysql_version(version: str) -> tuple[int, ...] | None:
    match = re.search(r"mysql_aurora\.(\d+)\.(\d+)\.(\d+)$", version)
    return tuple(int(g) for g in match.groups()) if match else None


def supports_local(engine: str, version: str) -> bool:
    if engine == "aurora-postgresql":
        return _postgres_from(version, POSTGRES_LOCAL)
    found = _mysql_version(version)
    return found is not None and found >= MYSQL_LOCAL


def supports_global(engine: str, version: str) -> bool:
    if engine == "aurora-postgresql":
        return _postgres_from(version, POSTGRES_GLOBAL)
    # Aurora MySQL 2.08.1 and later; every Aurora MySQL 3 version this project accepts is later.
    return _mysql_version(version) is not None


def parse_write_forwarding(section: Section, *, engine: str, version: str, secondary: bool, readers: int,
                           reader_scaling: bool, proxy: bool, parameters: dict[str, str]) -> WriteForwarding:
    sub = section.section("writeForwarding")
    problems = sub.problems
    local = sub.boolean("local", False)
    global_ = sub.boolean("global", False)
    consistency = sub.string("readConsistency", "session", choices=CONSISTENCY,
                             allowed="eventual (reads never wait; a session may not see its own forwarded write), "
                                     "session (a session sees its own writes), or global (every read waits until "
                                     "the reader has caught up with the writer)")
    sub.finish()
    shown_version = problems.shown(f"{section.key}.engineVersion", version)
    if not (local or global_):
        if sub.has("readConsistency"):
            problems.add_text(f"{sub.key}.readConsistency", "applies only with local: true or global: true (it says "
                                                            "how reads on a forwarding reader wait)")
        return WriteForwarding()
    if local:
        if secondary:
            problems.add_text(f"{sub.key}.local", "a global database secondary has no writer of its own to forward "
                                                  "to; allowed: global: true (forward to the primary cluster)")
        elif readers == 0 and not reader_scaling:
            problems.add_text(f"{sub.key}.local", "needs at least one reader (readers is 0 and readerAutoScaling is "
                                                  "off): only readers forward writes")
        if not supports_local(engine, version):
            problems.add_text(f"{sub.key}.local", f"local write forwarding needs Aurora MySQL 3.04.0 or later, or "
                                                  f"Aurora PostgreSQL 14.13, 15.8, 16.4 or later; engineVersion is "
                                                  f"{shown_version}")
        if proxy and engine == "aurora-postgresql":
            problems.add_text(f"{sub.key}.local", "Aurora PostgreSQL does not support local write forwarding with "
                                                  "RDS Proxy; allowed: proxy.enabled: false, or local: false")
    if global_:
        if not secondary:
            problems.add_text(f"{sub.key}.global", f"applies to a global database secondary only ({section.key}"
                                                   f".global.role: secondary); allowed: local: true to forward from "
                                                   f"this cluster's readers")
        if not supports_global(engine, version):
            problems.add_text(f"{sub.key}.global", f"global write forwarding needs Aurora PostgreSQL 14.9, 15.4, "
                                                   f"16.0 or later; engineVersion is {shown_version}")
    if proxy and engine == "aurora-mysql" and consistency == "session":
        # RDS Proxy does not support SESSION for aurora_replica_read_consistency (user guide, write forwarding in
        # Aurora MySQL): queries through the proxy may behave unexpectedly.
        problems.add_text(f"{sub.key}.readConsistency", "session is not supported by RDS Proxy on Aurora MySQL "
                                                        "(proxy.enabled is true); allowed: eventual or global")
    parameter = CONSISTENCY_PARAMETER[engine]
    # Parameter names are matched without case, as RDS matches them.
    for given in sorted(name for name in parameters if name.lower() == parameter):
        problems.add_text(f"{section.key}.parameters.{given}",
                          f"is set by {sub.key}.readConsistency while write forwarding is on; set it there only "
                          f"(allowed: {', '.join(CONSISTENCY)})")
    return WriteForwarding(local=local, global_=global_, read_consistency=consistency,
                           cluster_parameters={parameter: consistency.upper()})
