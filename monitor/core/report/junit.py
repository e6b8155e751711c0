"""JUnit XML rendering, so CI systems list a run's findings as tests.

One test case per saved operation (failed when the schema breaks it, with the validation errors and the
changes that explain them), one for the check itself (an error when the target could not be introspected),
and one per breaking change your operations use or family of breaking changes none uses: reported, not
failed, when the target has saved operations (what fails is an operation); failed, once per family, when it
has none. Acknowledged ones are skipped. The XML is built with ElementTree, which escapes all text.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET  # building XML only: never parses input
from collections.abc import Mapping
from typing import Any

from monitor.core.changes import Change
from monitor.core.report import view
from monitor.core.report.model import DriftReport
from monitor.core.report.triage import triage


def render_junit(report: DriftReport) -> str:
    """The run as a JUnit ``<testsuites>`` document (schema checks, then saved operations)."""
    target = view.clean(report.target)
    root = ET.Element("testsuites", name=f"gqlmon {target}")
    _schema_suite(root, report, target)
    if report.contracts is not None:
        _contracts_suite(root, report, target)
    for key in ("tests", "failures", "errors", "skipped"):
        root.set(key, str(sum(int(s.get(key, "0")) for s in root)))
    root.set("time", f"{sum(report.timings.values()):.3f}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _suite(root: ET.Element, name: str, report: DriftReport, time: float) -> ET.Element:
    return ET.SubElement(
        root, "testsuite", name=name, timestamp=view.clean(report.started_at), time=f"{time:.3f}"
    )


def _case(suite: ET.Element, classname: str, name: str, **attrs: str) -> ET.Element:
    return ET.SubElement(suite, "testcase", {"classname": classname, "name": name, **attrs})


def _finish(suite: ET.Element) -> None:
    cases = list(suite)
    suite.set("tests", str(len(cases)))
    for key, tag in (("failures", "failure"), ("errors", "error"), ("skipped", "skipped")):
        suite.set(key, str(sum(1 for c in cases if c.find(tag) is not None)))


def _schema_suite(root: ET.Element, report: DriftReport, target: str) -> None:
    classname = f"gqlmon.{target}.schema"
    suite = _suite(root, classname, report, report.timings.get("introspect", 0.0))
    check = _case(suite, classname, "introspection", time=f"{report.timings.get('introspect', 0.0):.3f}")
    if report.outcome == "failed":
        error = ET.SubElement(check, "error", message=view.clean(report.error, limit=500), type="CheckFailed")
        error.text = view.clean(report.error, single_line=False)
    found = triage(report)
    classname_breaking = f"gqlmon.{target}.breaking"
    # With saved operations, what fails is an operation (the contracts suite); a breaking change none of
    # them breaks is reported, not failed. Without any, each family of breaking changes fails once.
    fail = report.contracts is None
    for used in found.used:
        case = _case(
            suite, classname_breaking, f"{used.change.type.value} {view.clean(used.change.coordinate)}"
        )
        out = ET.SubElement(case, "system-out")
        out.text = (
            _change_text(used.change)
            + (
                "\nused by (still valid): " + ", ".join(view.clean(n) for n in used.valid)
                if used.valid
                else ""
            )
            + (
                "\nused by (broken by another change): " + ", ".join(view.clean(n) for n in used.elsewhere)
                if used.elsewhere
                else ""
            )
        )
    for family in found.unused:
        changes = [c for c in family.changes if c.id not in report.acknowledged]
        name = (
            f"{family.single.type.value} {view.clean(family.single.coordinate)}"
            if family.single
            else f"{view.clean(family.label)} ({len(family.changes)} changes)"
        )
        case = _case(suite, classname_breaking, name)
        text = "\n\n".join(_change_text(c) for c in family.changes)
        if not changes:
            reason = report.acknowledged.get(family.changes[0].id, "")
            ET.SubElement(
                case, "skipped", message=view.clean(f"acknowledged: {reason}" if reason else "acknowledged")
            )
        elif fail:
            failure = ET.SubElement(
                case,
                "failure",
                message=view.clean(family.single.message if family.single else f"{family.kinds}", limit=500),
                type="BreakingChange",
            )
            failure.text = text
        else:
            out = ET.SubElement(case, "system-out")
            out.text = "no saved operation uses these changes\n\n" + text
    if not found.used and not found.unused and report.outcome != "failed":
        _case(suite, classname_breaking, "no breaking changes")
    if report.validity_problems:
        out = ET.SubElement(check, "system-out")
        out.text = "\n".join(view.clean(p) for p in report.validity_problems)
    _finish(suite)


def _change_text(change: Change) -> str:
    lines = [
        view.clean(change.message),
        f"change id: {change.id}",
        f"path: {view.clean(change.path)}",
        f"reason: {view.clean(change.reason)}",
    ]
    if change.old is not None or change.new is not None:
        lines.append(f"old: {view.clean(change.old) or '(none)'}  new: {view.clean(change.new) or '(none)'}")
    if change.rule:
        lines.append(f"rule: {view.clean(change.rule)}")
    return "\n".join(lines)


def _contracts_suite(root: ET.Element, report: DriftReport, target: str) -> None:
    classname = f"gqlmon.{target}.contracts"
    suite = _suite(root, classname, report, report.timings.get("contracts", 0.0))
    contracts: Mapping[str, Any] = report.contracts or {}
    causes = {op.name: op.causes for op in triage(report).broken}
    for op in view.operations(report):
        attrs = {"file": view.clean(op.get("file"))}
        if op.get("line"):
            attrs["line"] = view.clean(op.get("line"))
        case = _case(suite, classname, view.clean(op.get("name")), **attrs)
        errors = [e for e in op.get("errors") or () if isinstance(e, Mapping)]
        if op.get("status") == "broken":
            first = (
                view.clean(errors[0].get("message"), limit=500)
                if errors
                else "the operation no longer validates"
            )
            failure = ET.SubElement(case, "failure", message=first, type="BrokenOperation")
            failure.text = "\n".join(
                f"{view.clean(e.get('file') or op.get('file'))}:{view.clean(e.get('line'))}:"
                f"{view.clean(e.get('column'))}: {view.clean(e.get('message'))}"
                for e in errors
            ) + "".join(
                f"\ncaused by: {view.clean(c.message)} [{c.type.value} {c.id}]"
                for c in causes.get(str(op.get("name")), ())
            )
        deps = [d for d in op.get("deprecations") or () if isinstance(d, Mapping)]
        if deps:
            out = ET.SubElement(case, "system-out")
            out.text = "\n".join(
                f"uses deprecated {view.clean(d.get('coordinate'))}"
                + (f" (removal {view.clean(d.get('removal_date'))})" if d.get("removal_date") else "")
                + (f": {view.clean(d.get('reason'))}" if d.get("reason") else "")
                for d in deps
            )
    for problem in contracts.get("problems") or ():
        if not isinstance(problem, Mapping):
            continue
        case = _case(
            suite, classname, f"read {view.clean(problem.get('file'))}", file=view.clean(problem.get("file"))
        )
        error = ET.SubElement(
            case, "error", message=view.clean(problem.get("message"), limit=500), type="ContractError"
        )
        where = f"{view.clean(problem.get('file'))}:{view.clean(problem.get('line'))}"
        error.text = f"{where}: {view.clean(problem.get('message'))}"
    _finish(suite)
