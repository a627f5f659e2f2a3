"""The audit catalogue against the suite: every action a test writes must be catalogued, and
every catalogued action must be written by some test (else the catalogue promises a record
nobody checked). Checked at the end of a full run; a run of some tests only cannot tell."""

from __future__ import annotations

from typing import Any, Callable

import pytest
from sqlalchemy import event

from core.audit.models import AuditRecord

WRITTEN: set[str] = set()
TEST_ONLY = ("core.test_",)  # actions made up by tests of the log itself


@event.listens_for(AuditRecord, "before_insert")
def _remember(_mapper: Any, _connection: Any, target: AuditRecord) -> None:
    WRITTEN.add(target.action)


def full_run(session: pytest.Session) -> bool:
    option = session.config.option
    return (session.config.args_source == pytest.Config.ArgsSource.TESTPATHS and not option.keyword and not option.markexpr
            and not getattr(option, "lf", False) and not getattr(option, "deselect", None) and session.testsfailed == 0)


def problems(catalogue: set[str]) -> list[str]:
    written = {action for action in WRITTEN if not action.startswith(TEST_ONLY)}
    return ([f"written but not catalogued: {action}" for action in sorted(written - catalogue)]
            + [f"catalogued but never written by a test: {action}" for action in sorted(catalogue - written)])


def check(session: pytest.Session, catalogue: Callable[[], set[str]]) -> None:
    """``catalogue()``: every action of core and the installed plugins."""
    if not full_run(session):
        return
    found = problems(catalogue())
    if found:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        reporter.write_line("The audit catalogue and the suite disagree:", red=True)
        for problem in found:
            reporter.write_line(f"  {problem}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
