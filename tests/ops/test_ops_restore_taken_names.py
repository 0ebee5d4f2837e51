"""restore into a name that is already taken: refused before anything is created, unless it is this restore's own
cluster (moto).

docs/ops.md: "A cluster of that name that `ops restore` did not create, or restored from another point, is refused",
and "no instance name it would create belongs to another cluster". The tags that make a cluster ours are
`created-by=aurora-platform-ops` and `restored-from-point` together; a cluster with only one of them (tagged by hand,
or a tag removed) is somebody else's."""

from __future__ import annotations

import pytest

from .test_ops_restore_resume_checks import POINT, earlier_restore, instance_ids


def restore(run_ops, *extra):
    return run_ops("restore", "--cluster", "aurora-dev", "--latest", "--new-cluster", "copy", "--yes", *extra)


@pytest.mark.parametrize("tags", [{POINT: None}, {"created-by": None}], ids=["no-point", "no-created-by"])
def test_a_cluster_with_only_one_of_our_tags_is_not_taken_over(stacks, run_ops, tags):
    """Both refused as not ours: with `restored-from`/`restored-from-point` tags that match this very restore, a
    cluster ops did not create must still not get instances added to it."""
    stacks.build()
    earlier_restore(stacks, **tags)
    result = restore(run_ops)
    assert (result.code, result.err) == (
        2,
        "ops: error: --new-cluster copy: a cluster of that name already exists and was not created by "
        "`ops restore`; choose another name. Nothing changed\n",
    )
    assert instance_ids(stacks, "copy") == []


def test_our_cluster_without_a_source_tag_is_refused_as_another_restore(stacks, run_ops):
    """The source tag removed by hand: the cluster cannot be shown to come from this source, so it is another
    restore (the message leaves the unknown source blank) and nothing is created."""
    stacks.build()
    earlier_restore(stacks, **{"restored-from": None})
    result = restore(run_ops)
    assert (result.code, result.err) == (
        2,
        "ops: error: --new-cluster copy: already exists, restored from  at the latest restorable time, not from "
        "aurora-dev at the latest restorable time; choose another name, or finish that restore with "
        "`python -m ops restore --resume copy`. Nothing changed\n",
    )
    assert instance_ids(stacks, "copy") == []


def test_a_resume_checks_every_missing_instance_name_not_only_the_first(stacks, run_ops):
    """copy-1 is already ours; copy-2 belongs to another cluster: the resume must refuse before creating it, not
    stop looking at the first instance it already has."""
    stacks.build()
    other = stacks.build(name="other", zones=("a",))
    earlier_restore(stacks, **{"ops-restore-instances": "2"})
    for name, owner in (("copy-1", "copy"), ("copy-2", other.cluster_id)):
        stacks.rds.create_db_instance(DBInstanceIdentifier=name, DBClusterIdentifier=owner, Engine="aurora-postgresql",
                                      DBInstanceClass="db.r6g.large")
    result = run_ops("restore", "--resume", "copy", "--yes")
    assert (result.code, result.err) == (
        2,
        "ops: error: instance copy-2 already exists (in cluster other); choose another --new-cluster. "
        "Nothing changed\n",
    )
    assert instance_ids(stacks, "copy") == ["copy-1"]


def test_an_instance_name_taken_by_an_instance_outside_any_cluster_says_none(stacks, run_ops):
    """A plain RDS instance (not Aurora) has no cluster: the message says so rather than naming one."""
    stacks.build()
    stacks.rds.create_db_instance(DBInstanceIdentifier="copy-1", Engine="postgres", DBInstanceClass="db.t3.micro",
                                  AllocatedStorage=20, MasterUsername="platform",
                                  MasterUserPassword="not-a-real-password-1")
    result = restore(run_ops)
    assert (result.code, result.err) == (
        2,
        "ops: error: instance copy-1 already exists (in cluster none); choose another --new-cluster. Nothing changed\n",
    )

