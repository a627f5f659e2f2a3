"""pip-audit against PyPI's advisories when only a project's JSON is reachable (see .ci/run).

Usage: pip_audit_pypi.py TOOLS_DIR [VULN_ID ...]: audits TOOLS_DIR/requirements.txt with
TOOLS_DIR/venv's pip-audit, ignoring the given advisory ids; exits non-zero on any finding.
"""
import json, subprocess, sys, threading, urllib.error, urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from packaging.version import Version

tools, ignores = sys.argv[1], sys.argv[2:]
behind, missing = {}, set()

def advisory(name, entry):
    events = [{"introduced": "0"}] + [{"fixed": version} for version in entry.get("fixed_in") or []]
    vuln = {"id": entry["id"], "aliases": entry.get("aliases") or [],
            "summary": entry.get("summary") or entry.get("details") or entry.get("link") or "",
            "affected": [{"package": {"name": name, "ecosystem": "PyPI"},
                          "ranges": [{"type": "ECOSYSTEM", "events": events}]}]}
    if entry.get("withdrawn"):
        vuln["withdrawn"] = entry["withdrawn"]
    return vuln

class Bridge(BaseHTTPRequestHandler):
    def do_POST(self):
        query = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        name, version = query["package"]["name"], query["version"]
        try:
            with urllib.request.urlopen(f"https://pypi.org/pypi/{name}/json", timeout=60) as response:
                project = json.load(response)
        except urllib.error.HTTPError as error:
            if error.code != 404:
                return self.send_error(502, f"PyPI answered {error.code} for {name}")
            missing.add(name)
            project = None
        except OSError as error:
            return self.send_error(502, f"PyPI unreachable: {error}")
        answer = {}
        if project is not None and Version(version) != Version(project["info"]["version"]):
            behind[name] = (version, project["info"]["version"])
        elif project is not None:
            answer, seen = {"vulns": []}, set()
            for entry in project.get("vulnerabilities") or []:
                if entry["id"] not in seen:  # PyPI lists an advisory under each of its names
                    seen.update([entry["id"], *(entry.get("aliases") or [])])
                    answer["vulns"].append(advisory(name, entry))
        body = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

server = ThreadingHTTPServer(("127.0.0.1", 0), Bridge)
threading.Thread(target=server.serve_forever, daemon=True).start()
report = f"{tools}/pip-audit.json"
run = subprocess.run([f"{tools}/venv/bin/pip-audit", "--requirement", f"{tools}/requirements.txt", "--no-deps",
                      "--disable-pip", "--strict", "--progress-spinner", "off", "--cache-dir", f"{tools}/cache",
                      "--vulnerability-service", "osv", "--osv-url", f"http://127.0.0.1:{server.server_port}/v1/query",
                      "--format", "json", "--output", report, *(f"--ignore-vuln={i}" for i in ignores)],
                     capture_output=True, text=True)
server.shutdown()
try:
    dependencies = json.load(open(report))["dependencies"]
except (OSError, ValueError, KeyError):
    sys.exit("pip-audit did not finish:\n" + "\n".join((run.stdout + run.stderr).splitlines()[-15:]))
found = [(d, v) for d in dependencies for v in d.get("vulns", [])]
for dep, vuln in found:
    fixed = ", ".join(vuln.get("fix_versions") or []) or "no fixed release"
    print(f"  {dep['name']} {dep['version']}: {vuln['id']} ({fixed}) {vuln.get('description', '')[:160]}")
for name in sorted(missing):
    print(f"  {name}: not on PyPI, not checked")
for name, (version, newest) in sorted(behind.items()):
    print(f"  {name} {version}: behind its newest release {newest}, not checked here")
unchecked = len(missing) + len(behind)
print(f"pip-audit: {len(dependencies)} packages, {len(found)} known vulnerabilities"
      + (f", {len(ignores)} ignored on purpose" if ignores else "")
      + (f" ({unchecked} could not be checked here)" if unchecked else ""))
if found:
    sys.exit("pip-audit: raise the lower bound in pyproject.toml to a fixed release, or, where the project cannot reach\n"
             "the vulnerable code, add the ID to ignore_vulns in .ci/run with a one-line reason")
if run.returncode:
    sys.exit(run.stderr.strip() or f"pip-audit failed with exit code {run.returncode}")
