"""Count a junit XML report, and group its failures by their first error line.

    python peers/junit_summary.py REPORT.xml [--causes]

The counts are the summary line each peer target prints; ``--causes`` ranks the failures' messages, with
names, numbers and quoted values blurred so that one cause gathers its tests (the start of BASELINE.md).
"""

from __future__ import annotations

import argparse
import collections
import re
import sys
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Outcome:
    test: str
    status: str  # passed, failed, skipped, xfailed (a test its suite marks as failing on Redshift too)
    message: str


def outcomes(report: Path) -> list[Outcome]:
    found = []
    for case in ElementTree.parse(report).getroot().iter("testcase"):
        test = f"{case.get('classname', '')}::{case.get('name', '')}"
        problem = case.find("failure")
        if problem is None:
            problem = case.find("error")
        if problem is not None:
            found.append(Outcome(test, "failed", first_error_line(problem)))
        elif (skipped := case.find("skipped")) is not None:
            status = "xfailed" if skipped.get("type") == "pytest.xfail" else "skipped"
            found.append(Outcome(test, status, skipped.get("message", "")))
        else:
            found.append(Outcome(test, "passed", ""))
    return found


def first_error_line(problem: ElementTree.Element) -> str:
    """The last exception line of the traceback (pytest's ``E   …`` lines: the one raised after any it
    chained), else the first such line, else the message attribute."""
    text = problem.text or ""
    raised = [line[1:].strip() for line in text.splitlines() if line.startswith("E ")]
    errors = [line for line in raised if re.match(r"([a-z_]\w*\.)*[A-Z]\w*: ", line)]
    chosen = errors[-1] if errors else raised[0] if raised else problem.get("message", "")
    return chosen.strip().splitlines()[0][:300] if chosen.strip() else "(no message)"


def summary_line(name: str, report: Path) -> str:
    counts = collections.Counter(outcome.status for outcome in outcomes(report))
    line = f"{name}: {counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped"
    return line + (f" ({counts['xfailed']} more expected to fail)" if counts["xfailed"] else "")


def cause_key(message: str) -> str:
    """The message with its particulars blurred: quoted values, numbers, generated names."""
    server_said = re.search(r"'M': '([^']*)'", message)  # redshift_connector's error: the server's message
    if server_said:
        message = f"{message.split(':', 1)[0]}: {server_said.group(1)}"
    blurred = re.sub(r"'[^']*'|\"[^\"]*\"", "'…'", message)
    blurred = re.sub(r"\b0x[0-9a-f]+\b|\b\d+(\.\d+)?\b", "N", blurred)
    return blurred[:160]


def ranked_causes(report: Path) -> list[tuple[str, list[Outcome]]]:
    groups: dict[str, list[Outcome]] = collections.defaultdict(list)
    for outcome in outcomes(report):
        if outcome.status == "failed":
            groups[cause_key(outcome.message)].append(outcome)
    return sorted(groups.items(), key=lambda item: -len(item[1]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="junit_summary", description=__doc__.splitlines()[0])
    parser.add_argument("report", type=Path)
    parser.add_argument("--causes", action="store_true", help="rank the failures by their first error line")
    args = parser.parse_args(argv)
    print(summary_line(args.report.stem, args.report))
    if args.causes:
        for key, tests in ranked_causes(args.report):
            print(f"\n{len(tests):4d}  {key}\n      e.g. {tests[0].test}\n      {tests[0].message}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
