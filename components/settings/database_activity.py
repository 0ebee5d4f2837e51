"""`aurora-platform:database.databaseActivityStream`: Database Activity Streams, every database action pushed to a
Kinesis stream AWS creates, encrypted with the database key, beyond the reach of database administrators.

Conservative here: refused on db.t* classes and db.serverless (Activity Streams support depends on the instance class
and, for Serverless v2, on the engine version; the region says which), and Aurora MySQL takes the asynchronous mode
only.
"""

from __future__ import annotations

from dataclasses import dataclass

from .reader import Section

MODES = ("async", "sync")


@dataclass(frozen=True)
class ActivityStream:
    enabled: bool = False
    mode: str = "async"


def parse_activity_stream(section: Section, engine: str, instance_class: str) -> ActivityStream:
    sub = section.section("databaseActivityStream")
    problems = sub.problems
    enabled = sub.boolean("enabled", False)
    mode = sub.string("mode", "async", choices=MODES,
                      allowed="async (the database never waits for the stream; events may be lost under load) or "
                              "sync (aurora-postgresql only: the database waits, every event is kept)")
    sub.finish()
    if not enabled:
        if sub.raw and set(sub.raw) - {"enabled"}:
            problems.add_text(sub.key, "sets values but not enabled: true")
        return ActivityStream()
    if mode == "sync" and engine != "aurora-postgresql":
        problems.add_text(f"{sub.key}.mode", f"sync is offered by aurora-postgresql only; engine is "
                                             f"{problems.shown(f'{section.key}.engine', engine)}; allowed: async")
    if instance_class == "db.serverless" or instance_class.startswith("db.t"):
        problems.add_text(f"{sub.key}.enabled",
                          f"is refused with instanceClass "
                          f"{problems.shown(f'{section.key}.instanceClass', instance_class)}: Activity Streams need a "
                          f"memory-optimized or general-purpose provisioned class here (e.g. db.r6g.large)")
    return ActivityStream(enabled=True, mode=mode)
