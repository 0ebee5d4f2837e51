"""The offline gate against programs that try to get an RDS database, its TLS or its snapshots past the pack.

Each bypass is a real Pulumi program run under the mock engine; the gate must exit 1 naming the rule and resource.
Each correct spelling next to it must still pass. The base program is gate_helpers' safe Aurora stack.
"""

from __future__ import annotations

import pytest

from .gate_helpers import PROGRAM, SAFE, gate_json, mandatory, write_program

BASE = PROGRAM.format(**SAFE)
GROUP_ARG = "db_cluster_parameter_group_name=pg.name"
CLUSTER_LINE = "cluster = aws.rds.Cluster("
assert GROUP_ARG in BASE and CLUSTER_LINE in BASE

WEAK_GROUP = '''weak = aws.rds.ClusterParameterGroup("weak", family="aurora-postgresql16", tags=tags, parameters=[
    aws.rds.ClusterParameterGroupParameterArgs(name="rds.force_ssl", value="0"),
])
'''


def cluster_group(expression: str, before: str = "") -> str:
    """The base program with the cluster's parameter group given as `expression` (and `before` ahead of it)."""
    return BASE.replace(GROUP_ARG, f"db_cluster_parameter_group_name={expression}").replace(
        CLUSTER_LINE, before + CLUSTER_LINE)


def gate(tmp_path, body: str) -> tuple[int, list[tuple[str, str]]]:
    code, report = gate_json("--stack", "test", "--program", str(write_program(tmp_path, body=body)))
    return code, mandatory(report)


TLS = [("aurora-tls-forced", "db")]

# --- the cluster's parameter group: bypasses --------------------------------------------------------------------------


@pytest.mark.parametrize("body", [
    cluster_group('pg.name.apply(lambda _: "default.aurora-postgresql16")'),
    cluster_group('pg.id.apply(lambda _: "DEFAULT.aurora-postgresql16")'),
    cluster_group('pulumi.Output.all(pg.name, weak.name).apply(lambda names: names[1])', WEAK_GROUP),
    cluster_group('pulumi.Output.all(a=pg.name, b=weak.id).apply(lambda n: n["b"])', WEAK_GROUP),
    cluster_group('weak.name.apply(lambda n: n.upper())', WEAK_GROUP),
    cluster_group('pg.name.apply(lambda n: n + "-v2")'),
    cluster_group('"default.aurora-postgresql16"'),
    cluster_group('pulumi.Output.from_input("default.aurora-postgresql16")'),
    cluster_group('None'),
], ids=["default-through-apply", "default-upper-through-id", "output-all-picks-weak", "output-all-dict-picks-weak-id",
        "weak-name-upper-case", "derived-name-outside-stack", "literal-default", "default-as-output", "no-group"])
def test_cluster_parameter_group_bypass_fails(tmp_path, body):
    assert gate(tmp_path, body) == (1, TLS)


def test_literal_default_with_depends_on_the_tls_group_fails(tmp_path):
    body = cluster_group('"default.aurora-postgresql16"').replace(
        "\n    opts=pulumi.ResourceOptions(protect=False))",
        "\n    opts=pulumi.ResourceOptions(protect=False, depends_on=[pg]))")
    assert "depends_on=[pg]" in body
    assert gate(tmp_path, body) == (1, TLS)


def test_group_in_another_region_with_the_same_name_fails(tmp_path):
    # The TLS group lives in eu-west-1 under the name the us-east-1 cluster asks for.
    before = '''west = aws.Provider("west", region="eu-west-1")
west_tls = aws.rds.ClusterParameterGroup("west-tls", name="shared-tls", family="aurora-postgresql16", tags=tags,
    parameters=[aws.rds.ClusterParameterGroupParameterArgs(name="rds.force_ssl", value="1")],
    opts=pulumi.ResourceOptions(provider=west))
'''
    assert gate(tmp_path, cluster_group('west_tls.name', before)) == (1, TLS)


# --- the cluster's parameter group: spellings that are right ----------------------------------------------------------

@pytest.mark.parametrize("body", [
    cluster_group("pg.name"),
    cluster_group("pg.id"),
    cluster_group('pulumi.Output.all(pg.name, weak.name).apply(lambda names: names[0])', WEAK_GROUP),
    cluster_group('pg.name.apply(lambda n: n.upper())'),
    cluster_group('"db-tls"').replace('pg = aws.rds.ClusterParameterGroup("tls", ',
                                      'pg = aws.rds.ClusterParameterGroup("tls", name="db-tls", '),
], ids=["name", "id", "output-all-picks-tls", "upper-case-name", "literal-name"])
def test_cluster_parameter_group_spelling_passes(tmp_path, body):
    assert gate(tmp_path, body) == (0, [])


# --- AWS-managed keys -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("key", ['"alias/aws/rds"', '"arn:aws:kms:us-east-1:123456789012:alias/aws/rds"',
                                 'key.arn.apply(lambda _: "ALIAS/AWS/RDS")', '""'])
def test_cluster_storage_on_an_aws_managed_key_fails(tmp_path, key):
    body = BASE.replace("kms_key_id=key.arn,", f"kms_key_id={key},")
    assert gate(tmp_path, body) == (1, [("aurora-storage-encrypted", "db")])


def test_performance_insights_on_an_aws_managed_key_fails(tmp_path):
    body = BASE.replace("kms_key_id=key.arn,", 'kms_key_id=key.arn, performance_insights_enabled=True, '
                                                'performance_insights_kms_key_id="alias/aws/rds",')
    assert gate(tmp_path, body) == (1, [("rds-performance-insights-cmk", "db")])


# --- rds.Instance -----------------------------------------------------------------------------------------------------

INSTANCE = '''
ipg = aws.rds.ParameterGroup("app-tls", family="<FAMILY>", tags=tags, parameters=[
    aws.rds.ParameterGroupParameterArgs(name="<PARAMETER>", value="<VALUE>"),
])
app = aws.rds.Instance(
    "app", identifier="app", engine="<ENGINE>", instance_class="db.t4g.medium", allocated_storage=20,
    username="app",
    password=pulumi.Output.secret("correct-horse-battery"), storage_encrypted=True, kms_key_id=<KEY>,
    backup_retention_period=<RETENTION>, deletion_protection=True, parameter_group_name=<GROUP>,
    publicly_accessible=<PUBLIC>, final_snapshot_identifier="app-final", monitoring_interval=60,
    monitoring_role_arn="arn:aws:iam::123456789012:role/rds-monitoring", tags=tags)
'''
INSTANCE_SAFE = {"FAMILY": "postgres16", "PARAMETER": "rds.force_ssl", "VALUE": "1", "ENGINE": "postgres",
                 "KEY": "key.arn", "RETENTION": "7", "GROUP": "ipg.name", "PUBLIC": "False"}


def with_instance(**knobs: str) -> str:
    text = INSTANCE
    for name, value in {**INSTANCE_SAFE, **knobs}.items():
        text = text.replace(f"<{name}>", value)
    return BASE + text


@pytest.mark.parametrize(("knobs", "expected"), [
    ({"PUBLIC": "True"}, [("rds-not-publicly-accessible", "app")]),
    ({"KEY": '"alias/aws/rds"'}, [("rds-instance-storage-encrypted", "app")]),
    ({"KEY": "None"}, [("rds-instance-storage-encrypted", "app")]),
    ({"RETENTION": "0"}, [("rds-instance-backup-retention", "app")]),
    ({"VALUE": "0"}, [("rds-instance-tls-forced", "app")]),
    ({"GROUP": 'ipg.name.apply(lambda _: "default.postgres16")'}, [("rds-instance-tls-forced", "app")]),
    ({"GROUP": "None"}, [("rds-instance-tls-forced", "app")]),
    ({"FAMILY": "mysql8.0", "ENGINE": "mysql", "PARAMETER": "require_secure_transport", "VALUE": "0"},
     [("rds-instance-tls-forced", "app")]),
], ids=["public", "aws-managed-key", "no-key", "no-backups", "force-ssl-0", "default-through-apply", "no-group",
        "mysql-without-secure-transport"])
def test_weak_instance_fails(tmp_path, knobs, expected):
    assert gate(tmp_path, with_instance(**knobs)) == (1, expected)


@pytest.mark.parametrize("knobs", [
    {},
    {"FAMILY": "mysql8.0", "ENGINE": "mysql", "PARAMETER": "require_secure_transport", "VALUE": "1"},
    {"FAMILY": "mariadb10.11", "ENGINE": "mariadb", "PARAMETER": "require_secure_transport", "VALUE": "ON"},
    {"GROUP": "ipg.id"},
], ids=["postgres", "mysql", "mariadb", "group-id"])
def test_safe_instance_passes(tmp_path, knobs):
    assert gate(tmp_path, with_instance(**knobs)) == (0, [])


# --- snapshots and copies ---------------------------------------------------------------------------------------------

SNAPSHOTS = '''
snap = aws.rds.ClusterSnapshot("manual", db_cluster_identifier=<SOURCE>, db_cluster_snapshot_identifier="db-manual",
                               shared_accounts=<SHARED>)
aws.rds.ClusterSnapshotCopy("copy", source_db_cluster_snapshot_identifier=snap.id,
                            target_db_cluster_snapshot_identifier="db-copy", kms_key_id=<COPY_KEY>,
                            shared_accounts=<COPY_SHARED>)
'''
SNAPSHOTS_SAFE = {"SOURCE": "cluster.id", "SHARED": '["210987654321"]', "COPY_KEY": "key.arn",
                  "COPY_SHARED": "None"}


def with_snapshots(**knobs: str) -> str:
    text = SNAPSHOTS
    for name, value in {**SNAPSHOTS_SAFE, **knobs}.items():
        text = text.replace(f"<{name}>", value)
    return BASE + text


@pytest.mark.parametrize(("knobs", "expected"), [
    ({"SHARED": '["all"]'}, [("rds-snapshot-not-public", "manual")]),
    ({"SHARED": '["210987654321", " ALL "]'}, [("rds-snapshot-not-public", "manual")]),
    ({"COPY_SHARED": 'key.arn.apply(lambda _: ["all"])'}, [("rds-snapshot-not-public", "copy")]),
    ({"COPY_KEY": "None"}, [("rds-snapshot-copy-cmk", "copy")]),
    ({"COPY_KEY": '"arn:aws:kms:us-east-1:123456789012:alias/aws/rds"'}, [("rds-snapshot-copy-cmk", "copy")]),
    ({"SOURCE": '"legacy-db"'}, [("rds-snapshot-encrypted", "manual")]),
], ids=["shared-with-all", "shared-with-ALL-among-accounts", "copy-shared-through-apply", "copy-without-key",
        "copy-with-aws-managed-key", "snapshot-of-an-outside-cluster"])
def test_weak_snapshot_fails(tmp_path, knobs, expected):
    assert gate(tmp_path, with_snapshots(**knobs)) == (1, expected)


def test_snapshot_of_an_unencrypted_cluster_fails_on_both(tmp_path):
    body = with_snapshots().replace("storage_encrypted=True,", "storage_encrypted=False,", 1)
    assert gate(tmp_path, body) == (1, [("aurora-storage-encrypted", "db"), ("rds-snapshot-encrypted", "manual")])


def test_instance_snapshot_copy_shared_with_all_fails(tmp_path):
    body = with_instance() + '''
isnap = aws.rds.Snapshot("app-manual", db_instance_identifier=app.identifier, db_snapshot_identifier="app-manual")
aws.rds.SnapshotCopy("app-copy", source_db_snapshot_identifier=isnap.id, target_db_snapshot_identifier="app-copy",
                     kms_key_id=key.arn, shared_accounts=["all"])
'''
    assert gate(tmp_path, body) == (1, [("rds-snapshot-not-public", "app-copy")])


def test_safe_snapshots_pass(tmp_path):
    assert gate(tmp_path, with_snapshots()) == (0, [])


# --- production in another spelling -----------------------------------------------------------------------------------

@pytest.mark.parametrize("tags", ['{"Environment": "Production"}', '{"Environment": " PRODUCTION "}',
                                  '{"environment": "production"}', '{"ENVIRONMENT": "prod"}'])
def test_production_in_another_spelling_must_protect(tmp_path, tags):
    body = BASE.replace('tags = {"Environment": "development"}', f"tags = {tags}")
    assert body != BASE
    assert gate(tmp_path, body) == (1, [("production-protect", "key"), ("production-protect", "db")])


def test_unprotected_rds_instance_in_a_production_stack_fails(tmp_path):
    protected = PROGRAM.format(**{**SAFE, "environment": "Production", "protect": True})
    instance = with_instance()[len(BASE):]
    assert gate(tmp_path, protected) == (0, [])
    assert gate(tmp_path, protected + instance) == (1, [("production-protect", "app")])
