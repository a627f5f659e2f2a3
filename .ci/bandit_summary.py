"""bandit's findings and a summary line, failing on any medium/high finding, an unreadable file or
a ``# nosec`` without test ids and a reason (see .ci/run).

Usage: bandit_summary.py TOOLS_DIR BANDIT_EXIT_STATUS ROOT ...
"""
import json, pathlib, re, sys
tools, status, roots = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
try:
    data = json.load(open(f"{tools}/bandit.json"))
except (OSError, ValueError):
    sys.exit(f"bandit did not finish (exit {status}):\n" + open(f"{tools}/bandit.log").read())
totals = data["metrics"]["_totals"]
files = [name for name in data["metrics"] if name != "_totals"]
for issue in data["results"]:
    print(f"  {issue['filename']}:{issue['line_number']}: {issue['test_id']} {issue['issue_severity'].lower()}: "
          f"{issue['issue_text']}")
bare = [f"{path}:{number}" for root in roots for path in sorted(pathlib.Path(root).rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"#\s*nosec", line) and not re.search(r"#\s*nosec B\d{3}(?:,\s*B\d{3})*\s+#\s*\S", line)]
for place in bare:
    print(f"  {place}: a nosec without test ids or without a reason after them")
for error in data["errors"]:
    print(f"  {error['filename']}: bandit could not read it: {error['reason']}")
print(f"bandit: {len(files)} files, {totals['SEVERITY.HIGH'] + totals['SEVERITY.MEDIUM']} medium/high findings, "
      f"{totals['skipped_tests']} justified in place; {totals['SEVERITY.LOW']} low (not failing)")
if data["results"] or data["errors"] or bare or status not in (0, 1):
    sys.exit(1)
