"""`python -m preflight graph`: the component tree and the dependencies between components, and the README copy."""

from __future__ import annotations

import random
from pathlib import Path
from types import SimpleNamespace

import pytest

from preflight.graph import embedded_diagram, main, readme_block, render_mermaid, write_readme

REPO_ROOT = Path(__file__).resolve().parents[2]
REGENERATE = "python -m preflight graph --stack dev --write-readme"
P = "urn:pulumi:t::proj::"


def res(urn: str, custom: bool = True, parent: str | None = None, deps=(), prop_deps=None):
    type_ = urn.split("::")[2].rsplit("$", 1)[-1]
    return SimpleNamespace(urn=urn, type=type_, name=urn.rsplit("::", 1)[-1], custom=custom, parent=parent,
                           dependencies=list(deps), property_dependencies=prop_deps or {})


NET = f"{P}app:network:Network::net"
VPC = f"{P}app:network:Network$aws:ec2/vpc:Vpc::net"
DB = f"{P}app:db:Database::end"  # "end" would break Mermaid as a node id
KEY = f"{P}app:db:Database$app:security:Key::end-key"
CMK = f"{P}app:db:Database$app:security:Key$aws:kms/key:Key::end-key"
CLUSTER = f"{P}app:db:Database$aws:rds/cluster:Cluster::end"
LOOSE = f"{P}aws:s3/bucket:Bucket::loose"


def program() -> list:
    return [
        res(NET, custom=False), res(VPC, parent=NET),
        res(DB, custom=False), res(KEY, custom=False, parent=DB), res(CMK, parent=KEY),
        res(CLUSTER, parent=DB, deps=[CMK], prop_deps={"vpcSecurityGroupIds": [VPC], "kmsKeyId": [CMK]}),
        res(LOOSE, deps=[CLUSTER]),
    ]


def test_tree_edges_and_ids():
    text = render_mermaid(program())
    assert text.splitlines() == [
        "flowchart LR",
        '  subgraph Database_end["end<br/>Database · 1 resource"]',
        "    direction LR",
        '    Key_end_key["end-key<br/>Key · 1 resource"]',
        "  end",
        '  Network_net["net<br/>Network · 1 resource"]',
        '  stack_resources["stack resources<br/>1 outside any component"]',
        '  Database_end -->|"Cluster"| stack_resources',
        '  Network_net -->|"Vpc"| Database_end',
    ]
    # The cluster's use of its own child component's key is nesting, not an edge.
    assert "Key_end_key -->" not in text


def test_output_does_not_depend_on_registration_order():
    resources = program()
    expected = render_mermaid(resources)
    for seed in range(3):
        random.Random(seed).shuffle(resources)
        assert render_mermaid(resources) == expected


def test_readme_embeds_the_current_dev_diagram(dev):
    readme = (REPO_ROOT / "README.md").read_text()
    embedded = embedded_diagram(readme, "dev")
    assert embedded is not None, "README.md lost its <!-- preflight-graph:dev:start/end --> markers"
    assert embedded == readme_block(render_mermaid(dev.resources)), (
        f"README.md's dev diagram is stale: regenerate it with `{REGENERATE}` (from the repository root)")


def test_dev_diagram_shows_the_network_feeding_the_database(dev):
    text = render_mermaid(dev.resources)
    assert text.startswith("flowchart LR\n")
    assert any(line.strip().startswith("Network_network -->") and "AuroraCluster_database" in line
               for line in text.splitlines())


def test_write_readme_replaces_only_the_marked_block(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("# x\nbefore\n<!-- preflight-graph:dev:start -->\nold\n<!-- preflight-graph:dev:end -->\nafter\n")
    assert write_readme(readme, "dev", "flowchart LR\n  a")
    assert readme.read_text() == ("# x\nbefore\n<!-- preflight-graph:dev:start -->\n```mermaid\nflowchart LR\n  a\n```"
                                  "\n<!-- preflight-graph:dev:end -->\nafter\n")
    assert not write_readme(readme, "dev", "flowchart LR\n  a")
    with pytest.raises(ValueError, match="README.md has no <!-- preflight-graph:prod:start -->"):
        write_readme(readme, "prod", "x")


def test_unknown_stack_exits_2_with_one_line(capsys):
    assert main(["--stack", "no-such-stack"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("preflight graph: stack 'no-such-stack' has no Pulumi.no-such-stack.yaml") \
        and err.count("\n") == 1
