"""The security battery's tally: what the battery and the export checks counted, written to
test-output/battery.json when the session ends (.ci/run prints it as the run's last screen).

It lives here, not in tests/security/conftest.py, so that tests outside tests/security (the
browser's XSS checks, the exports' formula checks) add to the same figures and the file is
written whichever of them ran."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

TALLY: Counter[str] = Counter()
REPORT = Path(__file__).parents[2] / "test-output" / "battery.json"


def write_tally() -> None:
    if TALLY:
        REPORT.parent.mkdir(exist_ok=True)
        REPORT.write_text(json.dumps(dict(sorted(TALLY.items())), indent=1, ensure_ascii=False))
