"""`preflight diff` on an engineVersion change: an in-place major upgrade with downtime, or a change AWS refuses (no
allowMajorVersionUpgrade, a downgrade, a version that is not an upgrade target), never a replacement.

Hand-made BASE/HEAD reports first, then the real program's reports (prod and dev with a new major). Expected texts are
literals from the requirement ("in-place major upgrade, downtime", "refused").
"""

from __future__ import annotations

import json

import pytest

from preflight.diff import diff_reports, main, render_markdown, render_text
from preflight.replacements import TABLE
from preflight.upgrades import DOWNTIME, INFO, REFUSED

from .test_diff_program import DATABASE, by_type, compare, section

STACK = "urn:pulumi:prod::aurora-platform::"
DB = "aurora-platform:database:AuroraCluster"
CLUSTER_URN = f"{STACK}{DB}$aws:rds/cluster:Cluster::database"
CLUSTER = "aws:rds/cluster:Cluster"
CPG = "aws:rds/clusterParameterGroup:ClusterParameterGroup"
DBPG = "aws:rds/parameterGroup:ParameterGroup"
MAJOR = "in-place major upgrade, downtime"


def cluster(version: str, engine: str = "aurora-postgresql", **extra) -> dict:
    inputs = {"engine": engine, "engineVersion": version, "dbInstanceParameterGroupName": "database-instance-1",
              "dbClusterParameterGroupName": "database-cluster-1", **extra}
    return {"urn": CLUSTER_URN, "type": CLUSTER, "name": "database", "protect": True, "dependencies": [],
            "inputs": inputs}


def report(resource: dict) -> dict:
    return {"stack": "prod", "project": "aurora-platform", "resources": [resource], "exports": {}}


def change_of(before: dict, after: dict):
    diff = diff_reports(report(before), report(after))
    (found,) = diff.changes
    return diff, found


def levels(change) -> list[str]:
    return [n.level for n in change.notes]


# ---- the provider: none of these inputs replaces the cluster -------------------------------------------------------
@pytest.mark.parametrize("key", ["engineVersion", "allowMajorVersionUpgrade", "dbInstanceParameterGroupName",
                                 "dbClusterParameterGroupName", "enableLocalWriteForwarding",
                                 "enableGlobalWriteForwarding"])
def test_upgrade_and_forwarding_inputs_are_in_place_on_the_cluster(key):
    # terraform-provider-aws internal/service/rds/cluster.go: Optional (and Computed), no ForceNew (docs/aws-facts.md).
    assert TABLE[CLUSTER].forcing(key) is None


@pytest.mark.parametrize("token", [CPG, DBPG])
def test_a_new_family_replaces_each_parameter_group(token):
    assert TABLE[token].forcing("family") is not None


# ---- hand-made reports ----------------------------------------------------------------------------------------------
def test_a_major_upgrade_with_the_flag_is_an_in_place_update_with_downtime():
    diff, change = change_of(cluster("16.6", allowMajorVersionUpgrade=False),
                             cluster("17.4", allowMajorVersionUpgrade=True))
    assert change.action == "update" and not diff.stateful_replacements
    assert levels(change) == [DOWNTIME]
    assert change.notes[0].text.startswith(f"{MAJOR}: 16.6 -> 17.4 (major 16 -> 17)")
    text = render_text(diff)
    assert f"downtime: {MAJOR}: 16.6 -> 17.4" in text and "REFUSED" not in text
    assert f"**downtime**: {MAJOR}: 16.6 -&gt; 17.4" in render_markdown(diff)


@pytest.mark.parametrize("flag", [False, None, "true", 1, "True"])
def test_a_major_upgrade_without_a_true_flag_is_refused(flag):
    extra = {} if flag is None else {"allowMajorVersionUpgrade": flag}
    diff, change = change_of(cluster("16.6"), cluster("17.4", **extra))
    assert change.action == "update" and levels(change) == [REFUSED]
    assert change.notes[0].text.startswith("in-place major upgrade 16.6 -> 17.4 is refused by AWS: "
                                           "allowMajorVersionUpgrade is not true")
    text = render_text(diff)
    assert text.index("!!! REFUSED BY AWS: aws:rds/cluster:Cluster 'database'") < text.index("Update:")
    assert MAJOR not in text
    markdown = render_markdown(diff)
    assert markdown.startswith("### :x:") and "**:no_entry: REFUSED BY AWS:" in markdown


def test_a_downgrade_is_refused_even_with_the_flag():
    _, change = change_of(cluster("17.4"), cluster("16.6", allowMajorVersionUpgrade=True))
    assert levels(change) == [REFUSED] and "is a downgrade: RDS refuses it" in change.notes[0].text


def test_a_version_that_is_not_an_upgrade_target_is_refused():
    # 16.6's targets (Aurora User Guide, read 2026-12-02): 16.8, 16.9, 16.10, 17.4, 17.5, 17.6.
    _, change = change_of(cluster("16.6"), cluster("18.0", allowMajorVersionUpgrade=True))
    assert levels(change) == [REFUSED]
    assert change.notes[0].text.startswith("18.0 is not an upgrade target of 16.6: RDS refuses it (ValidUpgradeTarget "
                                           "of 16.6: 16.8, 16.9, 16.10, 17.4, 17.5, 17.6;")


def test_a_source_the_table_has_no_row_for_says_so_and_still_warns_of_downtime():
    _, change = change_of(cluster("15.10"), cluster("16.6", allowMajorVersionUpgrade=True))
    assert levels(change) == [INFO, DOWNTIME]
    assert "the upgrade targets of 15.10 are not in components/settings/data/aurora-engine-versions.json" in \
        change.notes[0].text


def test_a_minor_upgrade_is_in_place_and_needs_no_flag():
    _, change = change_of(cluster("16.6"), cluster("16.8"))
    assert levels(change) == [INFO] and change.notes[0].text.startswith("in-place minor upgrade 16.6 -> 16.8")


def test_minor_versions_compare_as_numbers_not_text():
    # "16.10" < "16.9" as text; as versions 16.9 -> 16.10 is an upgrade, not a downgrade.
    _, change = change_of(cluster("16.9"), cluster("16.10"))
    assert levels(change) == [INFO]


def test_aurora_mysql_3_versions_are_minor_upgrades_of_each_other():
    _, change = change_of(cluster("8.0.mysql_aurora.3.08.0", "aurora-mysql"),
                          cluster("8.0.mysql_aurora.3.10.0", "aurora-mysql"))
    assert levels(change) == [INFO] and "minor upgrade" in change.notes[0].text
    _, back = change_of(cluster("8.0.mysql_aurora.3.10.0", "aurora-mysql"),
                        cluster("8.0.mysql_aurora.3.08.0", "aurora-mysql"))
    assert levels(back) == [REFUSED]


def test_an_engine_change_is_a_replacement_not_an_upgrade():
    diff, change = change_of(cluster("16.6"), cluster("8.0.mysql_aurora.3.08.0", "aurora-mysql"))
    assert change.action == "replace" and change.notes == [] and change.data_loss


def test_no_version_change_no_note():
    _, change = change_of(cluster("16.6", port=5432), cluster("16.6", port=5433))
    assert change.notes == []


def test_the_cli_prints_the_refusal(tmp_path, capsys):
    base, head = tmp_path / "base.json", tmp_path / "head.json"
    base.write_text(json.dumps(report(cluster("16.6"))))
    head.write_text(json.dumps(report(cluster("17.4"))))
    assert main([str(base), str(head)]) == 0
    assert "!!! REFUSED BY AWS" in capsys.readouterr().out


# ---- the real program ---------------------------------------------------------------------------------------------
def test_prod_with_a_new_major_and_the_flag_is_an_in_place_upgrade():
    diff, *_ = compare("prod", section("prod", DATABASE, engineVersion="17.4", allowMajorVersionUpgrade=True))
    (change,) = by_type(diff, CLUSTER)
    assert change.action == "update" and levels(change) == [DOWNTIME]
    # The new family's groups are created first (replaced: create before delete), the cluster is not replaced.
    assert [c.action for c in by_type(diff, CPG)] == ["replace"] and [c.action for c in by_type(diff, DBPG)] == [
        "replace"]
    assert [c.type for c in diff.stateful_replacements] == sorted([CPG, DBPG])
    assert not diff.data_loss


def test_prod_with_a_new_major_but_no_flag_is_refused():
    diff, *_ = compare("prod", section("prod", DATABASE, engineVersion="17.4"))
    (change,) = by_type(diff, CLUSTER)
    assert levels(change) == [REFUSED]
    assert "set aurora-platform:database.allowMajorVersionUpgrade: true" in change.notes[0].text


def test_dev_allows_the_major_upgrade_by_default():
    diff, *_ = compare("dev", section("dev", DATABASE, engineVersion="17.4"))
    (change,) = by_type(diff, CLUSTER)
    assert levels(change) == [DOWNTIME]


def test_a_member_of_a_global_database_is_told_the_upgrade_is_the_global_clusters():
    _, change = change_of(cluster("16.6", globalClusterIdentifier="g"),
                          cluster("17.4", globalClusterIdentifier="g", allowMajorVersionUpgrade=True))
    assert levels(change) == [INFO, DOWNTIME] and "in a global database" in change.notes[0].text
    primary = report(cluster("17.4", allowMajorVersionUpgrade=True))
    primary["resources"].append({"urn": f"{STACK}{DB}$aws:rds/globalCluster:GlobalCluster::database-global",
                                 "type": "aws:rds/globalCluster:GlobalCluster", "name": "database-global",
                                 "inputs": {"globalClusterIdentifier": "g"}})
    base = report(cluster("16.6"))
    base["resources"].append(primary["resources"][1])
    (found,) = [c for c in diff_reports(base, primary).changes if c.type == CLUSTER]
    assert "in a global database" in found.notes[0].text


def test_the_refusal_names_where_the_upgrade_targets_were_read():
    _, change = change_of(cluster("16.6"), cluster("18.0", allowMajorVersionUpgrade=True))
    assert change.notes[0].text.endswith(
        "; Aurora User Guide, Getting a list of available versions in your AWS Region "
        "(USER_UpgradeDBInstance.PostgreSQL.UpgradeVersion), table of major and minor upgrade targets per source "
        "version, read 2026-12-02)")


def test_an_aurora_mysql_2_to_3_upgrade_names_both_aurora_majors():
    # Aurora MySQL's majors are 2 (MySQL 5.7 compatible) and 3 (MySQL 8.0); the note names them as RDS writes them.
    _, change = change_of(cluster("5.7.mysql_aurora.2.12.1", "aurora-mysql"),
                          cluster("8.0.mysql_aurora.3.08.0", "aurora-mysql", allowMajorVersionUpgrade=True))
    assert levels(change) == [INFO, DOWNTIME]
    assert change.notes[1].text.startswith("in-place major upgrade, downtime: 5.7.mysql_aurora.2.12.1 -> "
                                           "8.0.mysql_aurora.3.08.0 (major 5.7.mysql_aurora.2 -> 8.0.mysql_aurora.3);")


def test_an_aurora_mysql_version_without_its_aurora_part_is_its_own_major():
    # Aurora MySQL 1 was first versioned "5.6.10a", with no mysql_aurora part: the note names it as written.
    from components.settings.database_upgrade import major_of

    assert major_of("aurora-mysql", "5.6.10a") == "5.6.10a"
