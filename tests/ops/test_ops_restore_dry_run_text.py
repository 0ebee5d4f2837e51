"""restore --dry-run without --json: the text a person reads before running it for real must hold the exact
requests, the restore time included (a datetime, which plain JSON cannot write)."""

from __future__ import annotations

import json

from .test_ops_restore import SERVERLESS_WRITER, absent_cluster, absent_instance, serverless_source


def test_text_dry_run_prints_the_requests_with_the_restore_time(stubbed_rds, run_ops):
    client, stubber = stubbed_rds
    absent_cluster(stubber, "aurora-dev-0930")
    stubber.add_response("describe_db_clusters", {"DBClusters": [serverless_source()]},
                         {"DBClusterIdentifier": "aurora-dev"})
    stubber.add_response("describe_db_instances", {"DBInstances": [SERVERLESS_WRITER]},
                         {"Filters": [{"Name": "db-cluster-id", "Values": ["aurora-dev"]}]})
    absent_instance(stubber, "aurora-dev-0930-1")
    result = run_ops("restore", "--cluster", "aurora-dev", "--to-time", "2026-11-27T10:30:00+01:00",
                     "--new-cluster", "aurora-dev-0930", "--dry-run", make_client=lambda service, region: client)
    assert (result.code, result.err) == (0, "")
    first, _, rest = result.out.partition("\n")
    assert first == "dry run, nothing changed; the requests would be:"
    assert rest.startswith('[\n  {\n    "operation": "RestoreDBClusterToPointInTime",\n')  # indented for reading
    requests = json.loads(rest)
    assert [r["operation"] for r in requests] == ["RestoreDBClusterToPointInTime", "CreateDBInstance"]
    restore = requests[0]["request"]
    assert restore["RestoreToTime"] == "2026-11-27T09:30:00Z"
    assert restore["SourceDBClusterIdentifier"] == "aurora-dev"
    assert restore["KmsKeyId"] == "arn:aws:kms:eu-west-1:123456789012:key/1111"
    assert restore["DeletionProtection"] is False
    assert requests[1]["request"]["PubliclyAccessible"] is False
