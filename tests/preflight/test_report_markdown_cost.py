"""The cost block of the gate's pull-request comment: a collapsed section whose closing tag stands apart.

The estimate ends with a table; GitHub's tables run until a blank line, so a `</details>` right under the last row
would become a row of the table and the section would never close. Expected lines written out by hand."""

from __future__ import annotations

from types import SimpleNamespace

from preflight import cost
from preflight.policy_eval import Evaluation
from preflight.report import Report, render_markdown


def test_the_cost_section_closes_after_a_blank_line(monkeypatch):
    monkeypatch.setattr(cost, "markdown_lines", lambda estimate: ["| monthly | resource |", "| ---: | --- |",
                                                                  "| $43.80 | `db` |"])
    report = Report(stack="dev", project="shop", source="program", resources=[], exports={},
                    evaluation=Evaluation(), cost=SimpleNamespace())
    lines = render_markdown(report).splitlines()
    start = lines.index("<details><summary>Monthly cost</summary>")
    assert lines[start:start + 8] == [
        "<details><summary>Monthly cost</summary>", "",
        "| monthly | resource |", "| ---: | --- |", "| $43.80 | `db` |", "",
        "</details>", "",
    ]
