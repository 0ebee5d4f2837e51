"""restore --resume NAME: what it accepts and what it refuses, before anything is created (moto).

A resume finishes a restore from the cluster's own tags (docs/ops.md, "Resumable"): `restored-from` names the
source, `restored-from-point` the point, `ops-restore-instances` the count, `created-by` says ops made it. A cluster
whose tags do not say all of that is not ours to finish; a count or name the user gets wrong is a usage error that
names the flag or tag and the value. Expected messages are written out as the user reads them."""

from __future__ import annotations

import pytest

POINT = "restored-from-point"
COUNT = "ops-restore-instances"
OURS = {"restored-from": "aurora-dev", POINT: "latest", COUNT: "1", "created-by": "aurora-platform-ops"}


def earlier_restore(stacks, name="copy", **tags):
    """A cluster as an interrupted `ops restore` left it (no instances yet); a tag given as None is left out."""
    tags = {k: v for k, v in {**OURS, **tags}.items() if v is not None}
    stacks.rds.create_db_cluster(
        DBClusterIdentifier=name,
        Engine="aurora-postgresql",
        MasterUsername="platform",
        MasterUserPassword="not-a-real-password-1",
        Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
    )


def instance_ids(stacks, cluster_id):
    found = stacks.rds.describe_db_instances(Filters=[{"Name": "db-cluster-id", "Values": [cluster_id]}])
    return sorted(i["DBInstanceIdentifier"] for i in found["DBInstances"])


def test_a_resume_name_that_is_no_cluster_identifier_names_the_flag(moto, run_ops):
    result = run_ops("restore", "--resume", "copy_1", "--yes")
    assert result.code == 2
    assert result.err.startswith("ops: error: --resume 'copy_1': not a valid cluster identifier")


def test_the_same_name_as_new_cluster_and_resume_is_one_cluster_in_any_case(stacks, run_ops):
    """RDS identifiers are case-insensitive: `--new-cluster COPY --resume copy` names one cluster."""
    stacks.build()
    earlier_restore(stacks)
    result = run_ops("restore", "--resume", "copy", "--new-cluster", "COPY", "--yes")
    assert result.code == 0, result.err
    assert instance_ids(stacks, "copy") == ["copy-1"]


def test_a_resume_of_a_missing_cluster_says_to_run_the_original_command(moto, run_ops):
    result = run_ops("restore", "--resume", "ghost", "--region", "eu-west-1", "--yes")
    assert (result.code, result.err) == (
        2,
        "ops: error: --resume ghost: no cluster of that name in eu-west-1; nothing to resume (if the restore call "
        "itself never went through, run the original restore command again)\n",
    )


@pytest.mark.parametrize(
    "tags",
    [{POINT: None}, {"created-by": None}, {"created-by": "someone"}, {"restored-from": None}],
    ids=["no-point", "no-created-by", "created-by-someone-else", "no-source"],
)
def test_a_cluster_without_every_restore_tag_is_not_resumed(stacks, run_ops, tags):
    """Each of the three tags is needed: a cluster someone tagged `restored-from*` by hand is not ours to add
    instances to, and one of ours whose point tag was removed cannot say what it was restored to."""
    stacks.build()
    earlier_restore(stacks, **tags)
    result = run_ops("restore", "--resume", "copy", "--yes")
    assert (result.code, result.err) == (
        2,
        "ops: error: --resume copy: cluster copy was not created by `ops restore` (no restored-from-point and "
        "created-by=aurora-platform-ops tags); nothing changed\n",
    )
    assert instance_ids(stacks, "copy") == []


@pytest.mark.parametrize("given", ["aurora-dev", "AURORA-DEV"])
def test_a_resume_with_the_source_as_cluster_goes_ahead(stacks, run_ops, given):
    stacks.build()
    earlier_restore(stacks)
    result = run_ops("restore", "--resume", "copy", "--cluster", given, "--yes")
    assert result.code == 0, result.err
    assert instance_ids(stacks, "copy") == ["copy-1"]


def test_a_resume_with_another_cluster_is_refused_naming_both(stacks, run_ops):
    stacks.build()
    stacks.build(name="other", zones=("a",))
    earlier_restore(stacks)
    result = run_ops("restore", "--resume", "copy", "--cluster", "other", "--yes")
    assert (result.code, result.err) == (
        2, "ops: error: --resume copy: restored from aurora-dev, not from --cluster other\n")
    assert instance_ids(stacks, "copy") == []


def test_an_outputs_file_only_gives_the_region_to_a_resume(stacks, run_ops):
    """With --resume the source is the one the tags name; only an explicit --cluster is a claim to check. The
    outputs file of another stack (used for its region) is no reason to refuse, nor to blame a --cluster never
    given."""
    stacks.build()
    other = stacks.build(name="other", zones=("a",))
    earlier_restore(stacks)
    result = run_ops("restore", "--outputs", str(other.outputs), "--resume", "copy", "--yes")
    assert result.code == 0, result.err
    assert instance_ids(stacks, "copy") == ["copy-1"]


def test_a_cluster_without_a_count_tag_is_finished_with_one_instance(stacks, run_ops):
    """One instance is the documented default; a restore whose count tag is gone still resumes."""
    stacks.build()
    earlier_restore(stacks, **{COUNT: None})
    result = run_ops("restore", "--resume", "copy", "--yes")
    assert result.code == 0, result.err
    assert instance_ids(stacks, "copy") == ["copy-1"]


def test_a_count_tag_that_is_not_a_number_asks_for_instances(stacks, run_ops):
    stacks.build()
    earlier_restore(stacks, **{COUNT: "two"})
    result = run_ops("restore", "--resume", "copy", "--yes")
    assert (result.code, result.err) == (
        2, "ops: error: --resume copy: tag ops-restore-instances='two' is not a number; pass --instances N\n")


def test_instances_given_to_a_resume_win_over_the_tag(stacks, run_ops):
    stacks.build()
    earlier_restore(stacks)  # tagged 1
    result = run_ops("restore", "--resume", "copy", "--instances", "2", "--yes")
    assert result.code == 0, result.err
    assert instance_ids(stacks, "copy") == ["copy-1", "copy-2"]


def test_instances_out_of_range_on_a_resume_names_the_flag(stacks, run_ops):
    stacks.build()
    earlier_restore(stacks)
    result = run_ops("restore", "--resume", "copy", "--instances", "17", "--yes")
    assert (result.code, result.err) == (2, "ops: error: --instances 17: must be between 1 and 16\n")


@pytest.mark.parametrize("recorded", ["0", "17"])
def test_a_count_tag_out_of_range_names_the_tag(stacks, run_ops, recorded):
    stacks.build()
    earlier_restore(stacks, **{COUNT: recorded})
    result = run_ops("restore", "--resume", "copy", "--yes")
    assert (result.code, result.err) == (
        2, f"ops: error: tag ops-restore-instances {recorded}: must be between 1 and 16\n")
