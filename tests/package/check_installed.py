"""The package as users get it: build the wheel and the sdist, install the wheel in a fresh
venv without extras, and run every command there (issue 23). ``make test`` runs this after the
suite; ``make package`` runs it alone.

Every step prints one line; the first that fails stops the check with its command's output and
exit status 1. Nothing here reaches a platform host: ``serve`` is asked on 127.0.0.1.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORK = ROOT / ".cache" / "package"
DEV_ONLY = ("twilio", "flask", "fastapi", "pytest", "pexpect", "xdist")
IN_WHEEL = ("conference_sim/output/timeline.html", "conference_sim/cli.py")
IN_SDIST = ("README.md", "pyproject.toml", "CHANGELOG.md", "conference_sim/output/timeline.html")


def step(what: str, command: list[str], *, cwd: Path, expect: int = 0, stdin: str = "") -> str:
    done = subprocess.run(
        command, cwd=cwd, input=stdin, capture_output=True, text=True, timeout=300, check=False
    )
    if done.returncode != expect:
        sys.stdout.write(done.stdout[-4000:] + done.stderr[-4000:])
        raise SystemExit(f"FAILED: {what}: exit {done.returncode}, expected {expect}")
    if "Traceback" in done.stderr:
        sys.stdout.write(done.stderr[-4000:])
        raise SystemExit(f"FAILED: {what}: a traceback on stderr")
    print(f"ok   {what}")
    return done.stdout


def build() -> tuple[Path, Path]:
    dist = WORK / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    step(
        "build the wheel and the sdist",
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist), str(ROOT)],
        cwd=ROOT,
    )
    wheel, sdist = next(dist.glob("*.whl")), next(dist.glob("*.tar.gz"))
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = [n for n in IN_WHEEL if n not in names]
    with tarfile.open(sdist) as tar:
        top = tar.getnames()[0].split("/")[0]
        listed = {n.removeprefix(top + "/") for n in tar.getnames()}
    missing += [f"sdist: {n}" for n in IN_SDIST if n not in listed]
    if missing:
        raise SystemExit(f"FAILED: the packages lack {missing}")
    print(f"ok   {wheel.name} and {sdist.name} hold what they must")
    return wheel, sdist


def install(wheel: Path) -> Path:
    venv = WORK / "venv"
    shutil.rmtree(venv, ignore_errors=True)
    step("a fresh venv", [sys.executable, "-m", "venv", str(venv)], cwd=ROOT)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    step("pip install the wheel, no extras", [*pip, "--disable-pip-version-check", str(wheel)],
         cwd=ROOT)  # fmt: skip
    probe = f"import importlib.util as u; print([m for m in {DEV_ONLY!r} if u.find_spec(m)])"
    out = step("no development package is there", [str(venv / "bin" / "python"), "-c", probe],
               cwd=ROOT)  # fmt: skip
    if out.strip() != "[]":
        raise SystemExit(f"FAILED: the runtime-only venv has {out.strip()}")
    return venv / "bin"


def serve_answers(cli: str, scenario: Path, cwd: Path) -> None:
    """``serve`` on a free port: a REST request with the scenario's credentials, then /_sim/run."""
    proc = subprocess.Popen(
        [cli, "serve", str(scenario), "--port", "0"],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        if not line.startswith("listening on http://127.0.0.1:"):
            raise SystemExit(
                f"FAILED: serve printed {line!r}; {proc.stderr.read() if proc.stderr else ''}"
            )
        base = line.split()[-1]
        request = urllib.request.Request(f"{base}/_sim/run", data=b"", method="POST")
        events = urllib.request.urlopen(request, timeout=30).read().decode().splitlines()
        params = [json.loads(e)["params"] for e in events]
        account = next(p["AccountSid"] for p in params if "AccountSid" in p)
        auth = base64.b64encode(f"{account}:c0ffee00c0ffee00c0ffee00c0ffee00".encode()).decode()
        request = urllib.request.Request(
            f"{base}/2010-04-01/Accounts/{account}/Conferences.json",
            headers={"Authorization": f"Basic {auth}"},
        )
        body = json.loads(urllib.request.urlopen(request, timeout=30).read())
        if [c["status"] for c in body["conferences"]] != ["completed"]:
            raise SystemExit(f"FAILED: serve answered {body}")
        print("ok   serve: /_sim/run and a REST request with the account's credentials")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def commands(bin_dir: Path) -> None:
    cli = str(bin_dir / "conference-sim")
    python = str(bin_dir / "python")
    with tempfile.TemporaryDirectory() as tmp:  # outside the source tree: only the wheel counts
        here = Path(tmp)
        shutil.copy(ROOT / "scenarios" / "01-simple.yaml", here / "simple.yaml")
        shutil.copy(ROOT / "scenarios" / "01-simple.golden.jsonl", here / "simple.golden.jsonl")
        (here / "wrong.yaml").write_text(
            "calls:\n  - {name: a, conference: R}\n  - {name: b, conference: R, at: 5}\n"
            "expect:\n  timeline: ['0 conference-start']\n"
        )
        (here / "broken.yaml").write_text("calls:\n  - {name: a, conference: R, beep: maybe}\n")
        step("--version", [cli, "--version"], cwd=here)
        step("python -m conference_sim --version", [python, "-m", "conference_sim", "--version"],
             cwd=here)  # fmt: skip
        for fmt in ("table", "jsonl", "mermaid", "html"):
            step(f"run --format {fmt}", [cli, "run", "simple.yaml", "--format", fmt], cwd=here)
        out = step("run --format jsonl equals the golden file",
                   [cli, "run", "simple.yaml", "--format", "jsonl"], cwd=here)  # fmt: skip
        if out != (here / "simple.golden.jsonl").read_text():
            raise SystemExit("FAILED: the installed run differs from the golden file")
        step("check (a scenario that holds)", [cli, "check", "simple.yaml"], cwd=here)
        step("check (a failed expectation: exit 1)", [cli, "check", "wrong.yaml"], cwd=here,
             expect=1)  # fmt: skip
        step("validate", [cli, "validate", "simple.yaml"], cwd=here)
        step("validate (bad input: exit 2)", [cli, "validate", "broken.yaml"], cwd=here,
             expect=2)  # fmt: skip
        step("shell from a pipe", [cli, "shell", "simple.yaml"], cwd=here,
             stdin="advance 1m\nshow\nquit\n")  # fmt: skip
        step("explore", [cli, "explore", "--examples", "20"], cwd=here)
        step("accounts --format env", [cli, "accounts", "simple.yaml", "--format", "env"],
             cwd=here)  # fmt: skip
        step("run with the REST API on a port", [cli, "run", "simple.yaml", "--api-port", "0"],
             cwd=here)  # fmt: skip
        step("run --pace", [cli, "run", "simple.yaml", "--pace", "1000"], cwd=here)
        step("run --app-command (bad input: exit 2, its last lines)",
             [cli, "run", "simple.yaml", "--app", "http://127.0.0.1:9", "--app-command",
              f"{python} -c \"raise SystemExit('down')\""], cwd=here, expect=2)  # fmt: skip
        step("serve --https without trustme (exit 2, says what to install)",
                   [cli, "serve", "simple.yaml", "--https"], cwd=here, expect=2)  # fmt: skip
        serve_answers(cli, here / "simple.yaml", here)
        api = "import conference_sim as c; t = c.run('simple.yaml'); print(len(list(t.events())))"
        step("the Python API", [python, "-c", api], cwd=here)
        # last: the plugin needs pytest, which a runtime-only install does not have
        step("pip install pytest (the plugin's own need)",
             [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "pytest"],
             cwd=here)  # fmt: skip
        folder = here / "suite" / "scenarios"
        folder.mkdir(parents=True)
        shutil.copy(here / "simple.yaml", folder / "simple.yaml")
        out = step("the pytest plugin on a scenario folder",
                   [python, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=here / "suite")  # fmt: skip
        if "1 passed" not in out:
            raise SystemExit(f"FAILED: the plugin ran {out.strip().splitlines()[-1:]}")


def main() -> int:
    started = time.monotonic()
    WORK.mkdir(parents=True, exist_ok=True)
    os.environ.pop("PYTHONPATH", None)
    wheel, _sdist = build()
    commands(install(wheel))
    print(f"the installed package works ({time.monotonic() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
