"""`aurora-platform:database.readerAutoScaling`: Aurora Auto Scaling of the cluster's replica count.

Application Auto Scaling adds readers (`application-autoscaling-<id>`, the writer's instance class, promotion tier 15)
when the readers' average CPU or connections stay above a target, and removes the ones it added when they fall. Those
readers are not in Pulumi state: the `readers` fixed in the stack are always there, placed and ordered for failover,
and scaling never removes them (it removes only instances it created). So `minCapacity` counts from them: at least
`readers`, at most `maxCapacity`, which is at most 15 (Aurora's replica limit).
"""

from __future__ import annotations

from dataclasses import dataclass

from .reader import Section, as_int

METRICS = {
    # setting -> (Application Auto Scaling predefined metric, target range, default target)
    "cpu": ("RDSReaderAverageCPUUtilization", (1, 100), 70),
    "connections": ("RDSReaderAverageDatabaseConnections", (1, 100000), None),
}
MAX_REPLICAS = 15
COOLDOWN_MAX = 86400


@dataclass(frozen=True)
class ReaderAutoScaling:
    enabled: bool = False
    min_capacity: int = 0
    max_capacity: int = 0
    metric: str = "cpu"
    target_value: int = 70
    scale_in_cooldown_seconds: int = 300
    scale_out_cooldown_seconds: int = 300

    @property
    def predefined_metric(self) -> str:
        return METRICS[self.metric][0]


def parse_reader_auto_scaling(section: Section, readers: int) -> ReaderAutoScaling:
    """`section` is `database`."""
    sub = section.section("readerAutoScaling")
    problems = sub.problems
    enabled = sub.boolean("enabled", False)
    minimum = sub.integer("minCapacity", readers, minimum=0, maximum=MAX_REPLICAS,
                          allowed=f"a whole number of readers from {readers} ({section.key}.readers, which scaling "
                                  f"never removes) to {MAX_REPLICAS}")
    maximum = sub.integer("maxCapacity", max(readers, 1), minimum=1, maximum=MAX_REPLICAS,
                          allowed=f"a whole number of readers from 1 to {MAX_REPLICAS} (Aurora's replica limit), at "
                                  f"least minCapacity")
    metric = sub.string("metric", "cpu", choices=METRICS)
    low, high = METRICS[metric][1]
    default_target = METRICS[metric][2]
    target = sub.integer("targetValue", default_target or 0, minimum=low, maximum=high,
                         allowed=f"a whole number from {low} to {high} "
                                 + ("(percent of the readers' average CPU)" if metric == "cpu"
                                    else "(average connections per reader)"))
    scale_in = sub.integer("scaleInCooldownSeconds", 300, minimum=0, maximum=COOLDOWN_MAX)
    scale_out = sub.integer("scaleOutCooldownSeconds", 300, minimum=0, maximum=COOLDOWN_MAX)
    sub.finish()
    if not enabled:
        if sub.raw and set(sub.raw) - {"enabled"}:
            problems.add_text(sub.key, "sets scaling values but not enabled: true")
        return ReaderAutoScaling()
    if sub.has("minCapacity") and minimum < readers:
        problems.add_text(f"{sub.key}.minCapacity",
                          f"got {problems.shown(f'{sub.key}.minCapacity', minimum)}, fewer than {section.key}.readers "
                          f"({readers}); the fixed readers are always there and scaling never removes them; allowed: "
                          f"at least {readers}")
    # A value refused above is already reported; the default it fell back to says nothing more.
    given_ok = all(not sub.has(k) or as_int(sub.raw.get(k)) == v for k, v in (("minCapacity", minimum),
                                                                             ("maxCapacity", maximum)))
    if given_ok and maximum < minimum:
        problems.add_text(f"{sub.key}.maxCapacity",
                          f"got {problems.shown(f'{sub.key}.maxCapacity', maximum)}, less than minCapacity "
                          f"{problems.shown(f'{sub.key}.minCapacity', minimum)}; allowed: at least minCapacity")
    elif given_ok and maximum == readers:
        problems.add_text(f"{sub.key}.maxCapacity",
                          f"equals {section.key}.readers ({readers}), so scaling could never add a reader; allowed: "
                          f"more than {readers}")
    if default_target is None and not sub.has("targetValue"):
        problems.add_text(f"{sub.key}.targetValue", "is required with metric: connections (the average connections "
                                                    "per reader to hold; it depends on the instance class)")
    return ReaderAutoScaling(enabled=True, min_capacity=minimum, max_capacity=maximum, metric=metric,
                             target_value=target, scale_in_cooldown_seconds=scale_in,
                             scale_out_cooldown_seconds=scale_out)
