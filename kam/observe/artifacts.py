"""The run's Prefect artifacts: a summary, the expectations table, dbt's node table, links.

Keys are stable per month (lowercase letters, digits and dashes, as Prefect requires), so
the UI's artifact page shows a month's history across reruns.
"""

from __future__ import annotations

import re

from prefect.artifacts import (
    create_link_artifact,
    create_markdown_artifact,
    create_table_artifact,
)

from kam.observe.dbt_nodes import DbtNode
from kam.observe.facts import RunFacts


def artifact_key(kind: str, month: str) -> str:
    """`kam-<kind>-<month>`, reduced to what Prefect accepts in a key."""
    return re.sub(r"[^a-z0-9-]+", "-", f"kam-{kind}-{month}".lower()).strip("-")


def _cell(value: object) -> str:
    text = "" if value is None else f"{value:,}" if isinstance(value, int) else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return lines


def _verdict_line(facts: RunFacts) -> str:
    return (f"**Data quality:** {facts.verdict} ({facts.expectations_evaluated} expectations "
            f"evaluated, {facts.blocking_failures} blocking failures, "
            f"{facts.warnings} warnings)")


def _tables_section(facts: RunFacts) -> list[str]:
    rows = [[t.table, "yes" if t.provided else "no", t.read, t.landed, t.quarantined]
            for t in facts.tables]
    return ["", "### Rows per table", "",
            *_table(["table", "provided", "read", "landed", "quarantined"], rows)]


def run_summary_markdown(
    facts: RunFacts, *, reviews: int, where: str | None, dbt: list[DbtNode], stopped_after: str
) -> str:
    """The summary of a run that reached its last stage (or `--until`'s)."""
    moves = facts.tier_moves
    lines = [
        f"# Key account review {facts.month}",
        "",
        f"**Run id:** `{facts.run_id}`  ",
        f"**Stopped after:** {stopped_after}  ",
        _verdict_line(facts) + "  ",
        f"**Reviews published:** {reviews}" + (f" in {where}" if where else " (nothing published)"),
        *_tables_section(facts),
        "",
        "### Tier moves",
        "",
        f"{moves.get('up', 0)} up, {moves.get('down', 0)} down, {moves.get('new', 0)} new",
        "",
        f"### At-risk key accounts ({len(facts.at_risk)})",
        "",
    ]
    if facts.at_risk:
        lines += _table(["account", "name", "tier"], [list(a) for a in facts.at_risk])
    else:
        lines.append("none")
    failed = sum(n.status in {"error", "fail"} for n in dbt)
    lines += ["", f"### dbt: {len(dbt)} nodes, {failed} failed "
                  f"(table `{artifact_key('dbt-nodes', facts.month)}`)"]
    return "\n".join(lines) + "\n"


def rejection_markdown(facts: RunFacts, *, reason: str, evidence: str) -> str:
    """Why a month was rejected and where the evidence lies."""
    lines = [
        f"# {facts.month} rejected: nothing published",
        "",
        f"**Run id:** `{facts.run_id}`  ",
        _verdict_line(facts) + "  ",
        f"**Why:** {reason}  ",
        f"**Evidence:** {evidence} (data_quality.pdf, dq/summary.json, Data Docs)",
        *_tables_section(facts),
        "",
        f"The failed and warned expectations are in table "
        f"`{artifact_key('expectations', facts.month)}`.",
    ]
    return "\n".join(lines) + "\n"


def failure_markdown(month: str, run_id: str | None, reason: str, stage: str | None) -> str:
    return "\n".join([
        f"# {month}: run failed, nothing published",
        "",
        f"**Run id:** `{run_id or 'not derived'}`  ",
        f"**Stage reached:** {stage or 'unknown'}  ",
        f"**Why:** {reason}",
    ]) + "\n"


def _expectations_table(facts: RunFacts) -> None:
    create_table_artifact(
        key=artifact_key("expectations", facts.month),
        table=[e.as_row() for e in facts.expectations],
        description=f"Expectations that failed or warned, run {facts.run_id}",
    )


def publish_run_artifacts(
    facts: RunFacts,
    *,
    dbt: list[DbtNode],
    reviews: int,
    where: str | None,
    links: dict[str, str],
    stopped_after: str,
) -> list[str]:
    """Create the run's artifacts; returns their keys."""
    summary_key = artifact_key("run", facts.month)
    create_markdown_artifact(
        key=summary_key,
        markdown=run_summary_markdown(
            facts, reviews=reviews, where=where, dbt=dbt, stopped_after=stopped_after
        ),
        description=f"Run {facts.run_id} for {facts.month}",
    )
    _expectations_table(facts)
    keys = [summary_key, artifact_key("expectations", facts.month)]
    if dbt:
        create_table_artifact(
            key=artifact_key("dbt-nodes", facts.month),
            table=[node.as_row() for node in dbt],
            description=f"Every dbt node of run {facts.run_id}: model or test, status, rows, s",
        )
        keys.append(artifact_key("dbt-nodes", facts.month))
    for kind, url in links.items():
        create_link_artifact(
            key=artifact_key(kind, facts.month), link=url, link_text=f"{facts.month} {kind}",
            description=f"Published by run {facts.run_id}",
        )
        keys.append(artifact_key(kind, facts.month))
    return keys


def publish_rejection_artifacts(facts: RunFacts, *, reason: str, evidence: str) -> list[str]:
    key = artifact_key("rejected", facts.month)
    create_markdown_artifact(
        key=key,
        markdown=rejection_markdown(facts, reason=reason, evidence=evidence),
        description=f"{facts.month} rejected by run {facts.run_id}",
    )
    _expectations_table(facts)
    return [key, artifact_key("expectations", facts.month)]


def publish_failure_artifacts(
    month: str, run_id: str | None, reason: str, stage: str | None
) -> str:
    key = artifact_key("run", month)
    create_markdown_artifact(
        key=key, markdown=failure_markdown(month, run_id, reason, stage),
        description=f"Failed run for {month}",
    )
    return key
