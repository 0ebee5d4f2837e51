"""What a caller gives AuroraCluster besides its settings (docs/mutation-testing.md, "Kill rate of the Aurora
components"): its resource options and an explicit `protect`. The real program passes no options and the stack's
own `database.protect`, so mutation testing found both could be ignored unnoticed; tests/programs/aurora_options is
a caller that does pass them."""

from __future__ import annotations

from pathlib import Path

import pytest

PROGRAM = Path(__file__).parent / "programs" / "aurora_options"
COMPONENT = "aurora-platform:database:AuroraCluster"
CLUSTER = "aws:rds/cluster:Cluster"


def test_the_component_sits_under_the_parent_its_caller_gives(evaluate):
    run = evaluate("test", None, PROGRAM)
    [component] = [r for r in run.resources if r.type == COMPONENT]
    assert component.urn == ("urn:pulumi:test::aurora-options::test:index:Owner$aurora-platform:database:"
                             "AuroraCluster::db")
    assert component.parent == run.named("owner").urn
    assert run.one(CLUSTER).urn == ("urn:pulumi:test::aurora-options::test:index:Owner$aurora-platform:database:"
                                    "AuroraCluster$aws:rds/cluster:Cluster::db")


@pytest.mark.parametrize("stack_says", [False, True])
def test_an_explicit_protect_wins_over_the_stacks(evaluate, stack_says):
    """The program passes the opposite of the stack's `database.protect`: the caller's argument decides."""
    run = evaluate("test", {"aurora-platform:database": {"engine": "aurora-mysql", "readers": 0,
                                                          "protect": stack_says}}, PROGRAM)
    assert run.one(CLUSTER).protect is (not stack_says)
    assert run.one("aws:ssm/parameter:Parameter").protect is (not stack_says)
