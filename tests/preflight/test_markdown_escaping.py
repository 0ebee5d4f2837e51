"""Text a pull request controls - resource names, types, tag and input values, rule messages, export keys - is
escaped in the markdown comment (the gate's `--format markdown`, `diff --format markdown`) and in the Mermaid
graph: a backtick cannot end a code span, `|` cannot split a table cell, `<img ...>` is not HTML, `@org/team`
does not notify anyone. Expected texts are written out by hand."""

from __future__ import annotations

import contextlib
import io
import json
from types import SimpleNamespace

from preflight import diff as diff_cli
from preflight import markdown as md
from preflight.graph import render_mermaid

from .gate_helpers import run_gate
from .test_preflight_state import CLUSTER, PG_INPUTS, STACK_URN, deployment, good_stack, urn

ZWSP = "\u200b"
HOSTILE_NAME = "db`x|<img src=x onerror=alert(1)>@org/team"


# ---- the helpers ---------------------------------------------------------------------------------------------------
def test_code_spans_hold_backticks_pipes_and_line_breaks():
    assert md.code("plain") == "`plain`"
    assert md.code("a`b") == "``a`b``"
    assert md.code("a``b") == "```a``b```"
    assert md.code("`x`") == "`` `x` ``"
    assert md.code(" padded ") == "`  padded  `"
    assert md.code("a|b") == "`a\\|b`"
    assert md.code("a|b", table=False) == "`a|b`"
    assert md.code("one\ntwo\r\nthree") == "`one two three`"
    assert md.code("<img src=x onerror=alert(1)>") == "`<img src=x onerror=alert(1)>`"  # literal in a code span


def test_prose_is_not_html_markup_or_a_mention():
    assert md.text("<img src=x onerror=alert(1)>") == "&lt;img src=x onerror=alert(1)&gt;"
    assert md.text("&lt;b&gt;") == "&amp;lt;b&amp;gt;"
    assert md.text("ping @org/team and @user, not a@") == f"ping @{ZWSP}org/team and @{ZWSP}user, not a@"
    assert md.text("see #12 and o/r#3, not #x") == f"see #{ZWSP}12 and o/r#{ZWSP}3, not #x"
    assert md.text("**b** _i_ [l](u) ~~s~~ `c` \\") == "\\*\\*b\\*\\* \\_i\\_ \\[l\\](u) \\~\\~s\\~\\~ \\`c\\` \\\\"
    assert md.text("a|b\nc") == "a\\|b<br>c"
    assert md.text("a|b\nc", table=False) == "a|b<br>c"


def test_fence_outgrows_the_backticks_inside():
    assert md.fence("no ticks") == "```"
    assert md.fence("x```y") == "````"


# ---- the gate's comment ------------------------------------------------------------------------------------------
def hostile_state(tmp_path):
    resources = good_stack()
    cluster = resources[1]
    cluster["urn"] = urn(CLUSTER, HOSTILE_NAME)
    # New dicts: good_stack() shares the module's PG_INPUTS, which other tests read.
    resources[0]["inputs"] = resources[0]["outputs"] = {
        **PG_INPUTS, "parameters": [{"name": "rds.force_ssl", "value": "0`|<b>@devs"}]}
    component = {"urn": urn("my:x:Thing", "x```y"), "custom": False, "type": "my:x:Thing", "parent": STACK_URN}
    document = deployment(component, *resources)
    stack = document["deployment"]["resources"][0]
    stack["outputs"] = {"note|`x`": "<img src=x onerror=alert(1)> @org/team"}
    path = tmp_path / "state.json"
    path.write_text(json.dumps(document))
    return path


def test_gate_markdown_escapes_names_values_and_messages(tmp_path):
    code, out, err = run_gate("--state", str(hostile_state(tmp_path)), "--format", "markdown")
    assert (code, err) == (1, "")
    lines = out.splitlines()
    [row] = [line for line in lines if "aurora-tls-forced" in line]
    assert row == (
        "| mandatory | `aurora-tls-forced` | ``db`x\\|<img src=x onerror=alert(1)>@org/team`` | "
        "ClusterParameterGroup 'shop-tls' (used by Cluster 'db\\`x\\|&lt;img src=x onerror=alert(1)&gt;"
        f"@{ZWSP}org/team') must set rds.force\\_ssl=1; it sets 0\\`\\|&lt;b&gt;@{ZWSP}devs. |")
    assert "| `` note\\|`x` `` | `\"<img src=x onerror=alert(1)> @org/team\"` |" in lines
    # The component tree is a code block whose fence a name with three backticks cannot close.
    start = lines.index("<details><summary>Component tree</summary>")
    assert lines[start + 2:start + 5] == ["````", "x```y (my:x:Thing): 0 resources", "````"]


def test_gate_markdown_headline_escapes_project_and_stack(tmp_path):
    text = json.dumps(deployment(*good_stack())).replace("urn:pulumi:prod::shop::", "urn:pulumi:prod::s`h|@o::")
    path = tmp_path / "state.json"
    path.write_text(text)
    _, out, _ = run_gate("--state", str(path), "--format", "markdown")
    assert out.splitlines()[0] == "### :white_check_mark: preflight ``s`h|@o/prod``"
    assert out.splitlines()[2].startswith("Stack ``s`h|@o/prod`` has in state 5 resources. PASS:")


# ---- the diff's comment ------------------------------------------------------------------------------------------
BUCKET = f"urn:pulumi:dev::p::aws:s3/bucket:Bucket::{HOSTILE_NAME}"


def diff_markdown(tmp_path, base, head):
    (tmp_path / "base.json").write_text(json.dumps(base))
    (tmp_path / "head.json").write_text(json.dumps(head))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert diff_cli.main([str(tmp_path / "base.json"), str(tmp_path / "head.json"), "--format", "markdown"]) == 0
    return out.getvalue().splitlines()


def bucket_report(tag, violations):
    return {"stack": "dev", "project": "p", "violations": violations, "resources": [
        {"urn": BUCKET, "type": "aws:s3/bucket:Bucket", "name": HOSTILE_NAME, "protect": False, "dependencies": [],
         "inputs": {"tags": {"Name": tag}}}]}


def test_diff_markdown_escapes_names_values_and_messages(tmp_path):
    violation = {"policy": "p", "enforcementLevel": "mandatory", "urn": BUCKET,
                 "message": "x <img src=x onerror=alert(1)> @org/team | `y`\nsecond line"}
    lines = diff_markdown(tmp_path, bucket_report("a", []), bucket_report("b|`c`<i>@org/team", [violation]))
    assert ("| update | `aws:s3/bucket:Bucket` | ``db`x\\|<img src=x onerror=alert(1)>@org/team`` | "
            '``tags.Name: "a" -> "b\\|`c`<i>@org/team"`` |') in lines
    assert ("| `p` | mandatory | ``db`x\\|<img src=x onerror=alert(1)>@org/team`` | "
            f"x &lt;img src=x onerror=alert(1)&gt; @{ZWSP}org/team \\| \\`y\\` |") in lines


def test_diff_markdown_data_loss_lines_are_not_table_cells(tmp_path):
    cluster = "urn:pulumi:dev::p::aws:rds/cluster:Cluster::a`b|c"
    base = {"stack": "dev", "project": "p", "resources": [
        {"urn": cluster, "type": "aws:rds/cluster:Cluster", "name": "a`b|c", "inputs": {"databaseName": "x|y"}}]}
    head = {"stack": "dev", "project": "p", "resources": [
        {"urn": cluster, "type": "aws:rds/cluster:Cluster", "name": "a`b|c", "inputs": {"databaseName": "z`"}}]}
    lines = diff_markdown(tmp_path, base, head)
    # Outside a table `\|` would show its backslash: a pipe stays a pipe there.
    assert lines[4].startswith("> **:rotating_light: DATA LOSS RISK: `aws:rds/cluster:Cluster` ``a`b|c`` will be "
                               "REPLACED.**")
    assert lines[5].startswith('> - **``databaseName: "x|y" -> "z`"``** _(forces replacement: ')


# ---- the graph ---------------------------------------------------------------------------------------------------
def test_mermaid_labels_use_mermaid_entity_codes():
    name = 'a"b<img src=x>`c`|#quot;&'
    component = SimpleNamespace(urn=f"urn:pulumi:t::p::app:x:Thing::{name}", type="app:x:Thing", name=name,
                                custom=False, parent=None, dependencies=[], property_dependencies={})
    assert render_mermaid([component]).splitlines() == [
        "flowchart LR",
        '  Thing_a_b_img_src_x__c___quot["a#quot;b#lt;img src=x#gt;#96;c#96;#124;#35;quot;#amp;<br/>Thing · 0 '
        'resources"]',
    ]
