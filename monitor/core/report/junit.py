"""JUnit XML rendering, so CI systems list a run's findings as tests.

One test case per saved operation (failed when the schema breaks it, with the validation errors), one per
breaking change (failed; skipped when acknowledged), and one for the check itself (an error when the
target could not be introspected). The XML is built with ElementTree, which escapes all text.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET  # building XML only: never parses input
from collections.abc import Mapping
from typing import Any

from monitor.core.changes import Criticality
from monitor.core.report import view
from monitor.core.report.model import DriftReport


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
    breaking = [c for c in view.ordered(report) if c.criticality is Criticality.BREAKING]
    affected = view.affected(report)
    for change in breaking:
        case = _case(
            suite, f"gqlmon.{target}.breaking", f"{change.type.value} {view.clean(change.coordinate)}"
        )
        if change.id in report.acknowledged:
            reason = report.acknowledged[change.id]
            ET.SubElement(
                case, "skipped", message=view.clean(f"acknowledged: {reason}" if reason else "acknowledged")
            )
            continue
        failure = ET.SubElement(
            case, "failure", message=view.clean(change.message, limit=500), type=change.type.value
        )
        lines = [
            view.clean(change.message),
            f"change id: {change.id}",
            f"path: {view.clean(change.path)}",
            f"reason: {view.clean(change.reason)}",
        ]
        if change.old is not None or change.new is not None:
            lines.append(
                f"old: {view.clean(change.old) or '(none)'}  new: {view.clean(change.new) or '(none)'}"
            )
        if change.rule:
            lines.append(f"rule: {view.clean(change.rule)}")
        if affected.get(change.id):
            lines.append("breaks: " + ", ".join(view.clean(n) for n in affected[change.id]))
        failure.text = "\n".join(lines)
    if not breaking and report.outcome != "failed":
        _case(suite, f"gqlmon.{target}.breaking", "no breaking changes")
    if report.validity_problems:
        out = ET.SubElement(check, "system-out")
        out.text = "\n".join(view.clean(p) for p in report.validity_problems)
    _finish(suite)


def _contracts_suite(root: ET.Element, report: DriftReport, target: str) -> None:
    classname = f"gqlmon.{target}.contracts"
    suite = _suite(root, classname, report, report.timings.get("contracts", 0.0))
    contracts: Mapping[str, Any] = report.contracts or {}
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
            ) + (
                "\ncaused by: " + ", ".join(view.clean(c) for c in op["caused_by"])
                if op.get("caused_by")
                else ""
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
