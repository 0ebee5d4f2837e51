"""`aurora-platform:database.customEndpoints`: named Aurora custom endpoints over chosen instances.

A custom endpoint is a DNS name that balances over a subset of the cluster's instances: type READER (only those that
are readers at the moment) or ANY (the writer too). Members are named by the instance's role as this stack names them
(`writer`, `reader-1`, `reader-2`, ...), static (exactly these) or excluded (all but these, including instances added
later). AWS takes one of the two lists, not both (CreateDBClusterEndpoint).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .reader import Section

ENDPOINT_TYPES = ("READER", "ANY")
# Custom endpoints per cluster (Aurora quotas: "Custom endpoints for each DB cluster", 5).
MAX_CUSTOM_ENDPOINTS = 5
NAME = r"[a-z][a-z0-9]*(-[a-z0-9]+)*"
# DBClusterEndpointIdentifier: 1-63 letters, digits and hyphens, a letter first, no two hyphens in a row or at the end.
IDENTIFIER_MAX = 63


@dataclass(frozen=True)
class CustomEndpoint:
    name: str
    endpoint_type: str = "READER"
    static_members: tuple[str, ...] = ()
    excluded_members: tuple[str, ...] = ()

    def identifier(self, cluster_identifier: str) -> str:
        return f"{cluster_identifier}-{self.name}"


def member_names(readers: int) -> list[str]:
    """The instance names a member list may use: the writer and each reader of `readers`."""
    return ["writer"] + [f"reader-{i}" for i in range(1, readers + 1)]


def member_index(member: str) -> int:
    """`writer` -> 0, `reader-2` -> 2: the instance's index (components.aurora.instance_identifier)."""
    return 0 if member == "writer" else int(member.split("-")[1])


def parse_custom_endpoints(section: Section, readers: int, cluster_identifier: str) -> tuple[CustomEndpoint, ...]:
    """`section` is `database`."""
    value = section.raw_value("customEndpoints")
    key = f"{section.key}.customEndpoints"
    problems = section.problems
    if value is None:
        return ()
    if not isinstance(value, dict):
        problems.add(key, value, "a mapping of endpoint name to {type, staticMembers or excludedMembers}")
        return ()
    if len(value) > MAX_CUSTOM_ENDPOINTS:
        problems.add_text(key, f"names {len(value)} endpoints; allowed: at most {MAX_CUSTOM_ENDPOINTS} per cluster "
                               f"(Aurora quota)")
    names = member_names(readers)
    allowed_members = ", ".join(names)
    endpoints = []
    for name, raw in value.items():
        item_key = f"{key}.{name}"
        longest = IDENTIFIER_MAX - len(cluster_identifier) - 1
        if not isinstance(name, str) or not re.fullmatch(NAME, name) or len(name) > longest:
            problems.add_text(item_key, f"the name {problems.shown(item_key, name)} is not allowed; allowed: lowercase "
                                        f"letters, digits and single hyphens, starting with a letter, at most "
                                        f"{longest} characters (the endpoint identifier is "
                                        f"{cluster_identifier}-<name>, at most {IDENTIFIER_MAX})")
            continue
        sub = Section(problems, item_key, raw)
        endpoint_type = sub.string("type", "READER", choices=ENDPOINT_TYPES)

        def member(item: str) -> str | None:
            return None if item in names else f"an instance of this cluster: {allowed_members}"

        static = sub.string_list("staticMembers", [], item_allowed="an instance name", check=member)
        excluded = sub.string_list("excludedMembers", [], item_allowed="an instance name", check=member)
        sub.finish()
        if not isinstance(raw, dict):
            continue
        if sub.has("staticMembers") and sub.has("excludedMembers"):
            problems.add_text(item_key, "sets both staticMembers and excludedMembers; allowed: one of them (AWS "
                                        "takes either the members or the exclusions)")
        for list_name, members in (("staticMembers", static), ("excludedMembers", excluded)):
            if len(set(members)) != len(members):
                problems.add_text(f"{item_key}.{list_name}", "names an instance twice; allowed: each once")
            if sub.raw.get(list_name) == []:
                problems.add_text(f"{item_key}.{list_name}", "is empty; allowed: at least one instance, or leave it "
                                                             "out")
        if set(excluded) >= set(names):
            problems.add_text(f"{item_key}.excludedMembers", "excludes every instance, so the endpoint has no "
                                                             "members; allowed: leave at least one out")
        if endpoint_type == "READER" and readers == 0:
            problems.add_text(item_key, f"is a READER endpoint but the cluster has no readers "
                                        f"({section.key}.readers is 0); allowed: readers of at least 1, or type ANY")
        elif endpoint_type == "READER" and static == ["writer"]:
            problems.add_text(f"{item_key}.staticMembers", "is only the writer on a READER endpoint, which serves "
                                                           "readers only; allowed: at least one reader, or type ANY")
        endpoints.append(CustomEndpoint(name=name, endpoint_type=endpoint_type, static_members=tuple(static),
                                        excluded_members=tuple(excluded)))
    return tuple(endpoints)
