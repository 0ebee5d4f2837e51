"""verify judges dates (the CA's 180-day notice, the age of a recovery point) from the time the command runs, the
clock of its context: the one clock a test, or a replay of a past run, sets.

The cluster and its instances come from moto; DescribeDBEngineVersions, DescribeOrderableDBInstanceOptions and
DescribeCertificates, which moto does not answer, from botocore's Stubber (as in test_ops_verify_live_facts.py).
"""

from __future__ import annotations

from datetime import UTC, datetime

from tests.ops.test_ops_verify_live_facts import verify_with_live_facts


def test_the_ca_notice_is_counted_from_the_time_the_command_runs(shared_stacks, run_ops):
    """A CA valid until 2040-09-01, the command run on 2040-06-01: it expires within the 180 days of notice, so the
    check fails (against today's date it would be years away)."""
    result, _ = verify_with_live_facts(shared_stacks.get(), run_ops, valid_till=datetime(2040, 9, 1, tzinfo=UTC),
                                       now=datetime(2040, 6, 1, 12, 0, tzinfo=UTC))
    checks = {c["name"]: (c["status"], c["detail"]) for c in result.json()["checks"]}
    status, detail = checks["ca-certificate-current"]
    assert status == "fail", detail
    assert "expires on 2040-09-01, within 180 days" in detail
    assert result.code == 1, result.out + result.err
