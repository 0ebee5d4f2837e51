"""What restore tells the user when it ends, asks before it starts, and hands a script with --json (moto).

The result is what the next step reads: the endpoint to point a client at, the instances to wait for, whether it
waited (docs/ops.md: "`0` success (with `--no-wait`: the operation was started)"), and the settings and tags the new
cluster was created with. The JSON keys are an interface; the text names every instance. Expected values are the
stack's own settings and names, written out."""

from __future__ import annotations

NOT_WAITED = {"source": "aurora-dev", "restoredFrom": "the latest restorable time", "cluster": "copy", "waited": False}


def restore(run_ops, *extra, **kwargs):
    return run_ops("restore", "--cluster", "aurora-dev", "--latest", "--new-cluster", "copy", *extra, **kwargs)


def instance_ids(stacks, cluster_id):
    found = stacks.rds.describe_db_instances(Filters=[{"Name": "db-cluster-id", "Values": [cluster_id]}])
    return sorted(i["DBInstanceIdentifier"] for i in found["DBInstances"])


def described(stacks, cluster_id):
    return stacks.rds.describe_db_clusters(DBClusterIdentifier=cluster_id)["DBClusters"][0]


def test_no_wait_json_says_what_started_and_that_it_did_not_wait(stacks, run_ops):
    stacks.build()
    result = restore(run_ops, "--yes", "--no-wait", "--json")
    assert result.code == 0, result.err
    assert result.json() == {**NOT_WAITED, "instances": ["copy-1"]}


def test_a_resume_with_no_wait_json_names_the_point_and_every_instance(stacks, run_ops):
    stacks.build()
    assert restore(run_ops, "--yes", "--instances", "2", "--no-wait").code == 0
    result = run_ops("restore", "--resume", "copy", "--yes", "--no-wait", "--json")
    assert result.code == 0, result.err
    assert result.json() == {**NOT_WAITED, "instances": ["copy-1", "copy-2"]}


def test_a_resume_with_no_wait_text_lists_the_instances_and_the_wait_command(stacks, run_ops):
    stacks.build()
    assert restore(run_ops, "--yes", "--instances", "2", "--no-wait").code == 0
    result = run_ops("restore", "--resume", "copy", "--yes", "--no-wait")
    assert result.code == 0, result.err
    assert result.out == (
        "cluster copy available; instances copy-1, copy-2 being created; follow with "
        "`python -m ops wait --cluster copy --region eu-west-1`\n"
    )


def test_the_resume_prompt_lists_every_instance_it_will_create(stacks, run_ops, tty):
    stacks.build()
    assert restore(run_ops, "--yes", "--instances", "2", "--no-wait").code == 0
    result = run_ops("restore", "--resume", "copy", stdin=tty("n\n"))
    assert result.code == 2
    assert ": create copy-1, copy-2 (billed from now on).\nProceed? [y/N] " in result.err
    assert instance_ids(stacks, "copy") == []


def test_yes_typed_at_the_prompt_restores(stacks, run_ops, tty):
    """The terminal's answer is read: `y` goes ahead exactly as --yes would."""
    stacks.build()
    result = restore(run_ops, stdin=tty("y\n"))
    assert result.code == 0, result.err
    assert "Create cluster copy from aurora-dev at the latest restorable time, with 1 instance(s) copy-1" in result.err
    assert instance_ids(stacks, "copy") == ["copy-1"]


def test_the_json_result_gives_the_endpoints_settings_and_tags(stacks, run_ops):
    stacks.build()
    result = restore(run_ops, "--yes", "--instances", "2", "--json")
    assert result.code == 0, result.err
    data = result.json()
    new = described(stacks, "copy")
    assert new["Endpoint"] and new["ReaderEndpoint"] and new["Endpoint"] != new["ReaderEndpoint"]
    assert (data["endpoint"], data["readerEndpoint"]) == (new["Endpoint"], new["ReaderEndpoint"])
    assert (data["source"], data["restoredFrom"], data["cluster"], data["instances"]) == (
        "aurora-dev", "the latest restorable time", "copy", ["copy-1", "copy-2"])
    settings = data["settings"]
    # The source's settings as the stack builds them (tests/ops/stacks.py COMPLIANT); the new name and the tags
    # have their own keys, so they are not repeated as settings.
    assert "DBClusterIdentifier" not in settings
    assert "Tags" not in settings
    assert {k: settings.get(k) for k in ("DBClusterParameterGroupName", "BackupRetentionPeriod", "DeletionProtection",
                                         "EnableIAMDatabaseAuthentication", "CopyTagsToSnapshot",
                                         "EnableCloudwatchLogsExports")} == {
        "DBClusterParameterGroupName": "aurora-dev-cluster",
        "BackupRetentionPeriod": 7,
        "DeletionProtection": True,
        "EnableIAMDatabaseAuthentication": True,
        "CopyTagsToSnapshot": True,
        "EnableCloudwatchLogsExports": ["postgresql"],
    }
    assert data["tags"] == {
        "Project": "aurora-platform",
        "stack": "dev",
        "Environment": "development",
        "restored-from": "aurora-dev",
        "restored-from-point": "latest",
        "ops-restore-instances": "2",
        "created-by": "aurora-platform-ops",
    }


def test_the_text_result_gives_the_endpoint_and_every_instance(stacks, run_ops):
    stacks.build()
    result = restore(run_ops, "--yes", "--instances", "2")
    assert result.code == 0, result.err
    endpoint = described(stacks, "copy")["Endpoint"]
    assert endpoint
    assert result.out == (
        f"cluster copy restored from aurora-dev (the latest restorable time)\nendpoint {endpoint}\n"
        "instances copy-1, copy-2\n"
    )
