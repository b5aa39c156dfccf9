"""The journal (a killed grader loses no finished grade), every entry of the submissions
folder accounted for, and bad command lines refused before any grading starts."""
import csv
import json
import os
import pathlib
import re
import shutil
import signal
import subprocess
import sys
import time

import pytest

from d2lmini.cli import main
from d2lmini.errors import UserError
from d2lmini.grading.grade import grade_all
from d2lmini.grading.journal import Journal, journal_path
from d2lmini.grading.runner import RunLimits

ROOT = pathlib.Path(__file__).resolve().parent.parent
SOLUTION = ROOT / "solutions" / "01_text_and_vocab.ipynb"
LIMITS = RunLimits(timeout=60, cell_timeout=20)


def test_journal_skips_a_torn_line_and_locks(tmp_path):
    path = tmp_path / "g.journal.jsonl"
    with Journal(path) as j:
        j.append({"student": "a", "solution_sha256": "s", "score": 1})
    with open(path, "a") as f:
        f.write('{"student": "b", "solut')          # a kill in the middle of a write
    with Journal(path) as j:
        j.append({"student": "c", "solution_sha256": "s", "score": 2})
        assert set(j.latest("s")) == {"a", "c"}
        with pytest.raises(UserError, match="another `d2lmini grade`"):
            Journal(path, lock_wait=0.2)


def test_journal_waits_for_a_lock_a_dying_grader_leaves_in_a_forked_child(tmp_path):
    # A grader killed while starting a worker: the forked worker holds the journal's
    # descriptor (and so the lock) until it execs. The next grader waits that moment out.
    path = tmp_path / "g.journal.jsonl"
    j = Journal(path)
    child = os.fork()
    if child == 0:                      # the not-yet-exec'd worker
        time.sleep(0.6)
        os._exit(0)
    j.close()                           # the grader is gone; its child still holds the lock
    try:
        with pytest.raises(UserError, match="another `d2lmini grade`"):
            Journal(path, lock_wait=0.1)
        start = time.monotonic()
        with Journal(path) as again:
            again.append({"student": "a", "solution_sha256": "s", "score": 1})
        assert time.monotonic() - start < 3.0
    finally:
        os.waitpid(child, 0)


def test_sigkill_mid_run_loses_no_finished_grade_and_resumes(tmp_path):
    subs = tmp_path / "submitted"
    subs.mkdir()
    for i in range(4):
        shutil.copy(SOLUTION, subs / f"s{i}.ipynb")
    out = tmp_path / "grades" / "g.csv"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "d2lmini", "grade", str(SOLUTION), str(subs),
                             "--out", str(out), "--sandbox", "none", "--cell-timeout", "20"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    journal = journal_path(out)
    deadline = time.time() + 240
    while time.time() < deadline and proc.poll() is None:
        if journal.exists() and journal.read_bytes().count(b"\n") >= 1:
            break
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    finished = [json.loads(line) for line in journal.read_text().splitlines() if line.strip()]
    assert 1 <= len(finished) < 4, "kill the grader while it is still grading"
    log = []
    data = grade_all(SOLUTION, [subs], out=out, limits=LIMITS, sandbox="none", log=log.append)
    assert any(f"{len(finished)} submission(s) already graded" in m for m in log)
    assert set(data["submissions"]) == {f"s{i}" for i in range(4)}
    for rec in finished:
        assert data["submissions"][rec["student"]] == rec        # kept as graded, not redone
    assert all(e["score"] == 6 for e in data["submissions"].values())
    rows = list(csv.DictReader(out.open()))
    assert sorted(r["student"] for r in rows if r["grade_id"] == "TOTAL") == [f"s{i}" for i in range(4)]
    stale = [p for p in pathlib.Path("/tmp").glob(f"d2lmini-grade-{proc.pid}-*")]
    assert stale == []                                         # the next run cleaned up


def test_every_entry_gets_a_row_and_deleted_ones_are_dropped(tmp_path):
    subs = tmp_path / "submitted"
    (subs / "team").mkdir(parents=True)
    (subs / ".ipynb_checkpoints").mkdir()
    shutil.copy(SOLUTION, subs / "team" / "alice.ipynb")
    shutil.copy(SOLUTION, subs / "bob.ipynb")
    shutil.copy(SOLUTION, subs / ".ipynb_checkpoints" / "bob-checkpoint.ipynb")
    (subs / "notes.txt").write_text("my notes")
    (subs / "broken.ipynb").write_text("{not json")
    (subs / "gone.ipynb").symlink_to(tmp_path / "nowhere.ipynb")
    (subs / "folder_link").symlink_to(subs / "team")
    os.mkfifo(subs / "pipe.ipynb")
    out = tmp_path / "grades.csv"
    log = []
    data = grade_all(SOLUTION, [subs], out=out, limits=LIMITS, sandbox="none", log=log.append)
    reasons = {k: e["tests"][0]["reason"] for k, e in data["submissions"].items()}
    assert reasons == {"team/alice": "passed", "bob": "passed",
                       "notes.txt": "not a notebook (only .ipynb files are graded)",
                       "broken": "unreadable notebook (NotJSONError)",
                       "gone.ipynb": "dangling symlink (its target is missing)",
                       "folder_link": "symlink to a folder (not followed)",
                       "pipe": "not a regular file"}
    assert any(".ipynb_checkpoints" in m for m in log)
    (subs / "bob.ipynb").unlink()                  # rerun: robust, and bob's rows go
    log = []
    data = grade_all(SOLUTION, [subs], out=out, limits=LIMITS, sandbox="none", log=log.append)
    assert "bob" not in data["submissions"] and "team/alice" in data["submissions"]
    assert any("dropped the rows of 1 deleted submission(s): bob" in m for m in log)
    assert "bob," not in out.read_text()


def _grade(*args):
    return main(["grade", *map(str, args)])


@pytest.mark.parametrize("args, message", [
    (["0", "{subs}"], r"no assignment named '0'.*01 \(01_text_and_vocab\)"),
    (["01_text", "{subs}"], "no assignment named '01_text'"),
    (["README.md", "{subs}"], r"README.md is not a solution notebook"),
    (["01", "{empty}"], "no notebooks to grade"),
    (["01", "{subs}/x.txt"], "is not a notebook"),
    (["01", "{tmp}/missing"], "does not exist"),
    (["01", "{subs}", "--out", "{tmp}"], "is a folder"),
    (["01", "{subs}", "--out", "{subs}/g.csv"], "inside the submissions folder"),
    (["01", "{subs}", "--cell-timeout", "0"], "--cell-timeout must be"),
    (["01", "{subs}", "--timeout", "-1"], "--timeout must be"),
    (["01", "{subs}", "--memory-mb", "-5"], "--memory-mb must be"),
    (["01", "{subs}", "--jobs", "0"], "--jobs must be"),
])
def test_bad_command_lines_are_user_errors_before_grading(tmp_path, monkeypatch, capsys, args,
                                                         message):
    """Each mistake is one `d2lmini: ...` line on stderr, exit 2, before any grading starts."""
    monkeypatch.chdir(ROOT)
    subs, empty = tmp_path / "subs", tmp_path / "empty"
    subs.mkdir()
    empty.mkdir()
    shutil.copy(SOLUTION, subs / "a.ipynb")
    (subs / "x.txt").write_text("x")
    args = [a.format(subs=subs, empty=empty, tmp=tmp_path) for a in args]
    start = time.time()
    status = _grade(*args, *([] if "--out" in args else ["--out", tmp_path / "o" / "g.csv"]))
    err = capsys.readouterr().err.strip()
    assert status == 2 and re.search(message, err), err
    assert err.startswith("d2lmini: ") and "\n" not in err and "Traceback" not in err
    assert time.time() - start < 10 and not (tmp_path / "o").exists()


def test_read_only_output_folder_fails_before_grading(tmp_path):
    """A read-only file system (so it holds for root too), made with bwrap."""
    bwrap = shutil.which("bwrap")
    if not bwrap or subprocess.run([bwrap, "--dev-bind", "/", "/", "true"]).returncode:
        pytest.skip("bwrap cannot run here, and root ignores chmod")
    ro, subs = tmp_path / "ro", tmp_path / "subs"
    ro.mkdir()
    subs.mkdir()
    shutil.copy(SOLUTION, subs / "a.ipynb")
    code = "import sys\nfrom d2lmini.cli import main\nsys.exit(main(sys.argv[1:]))\n"
    p = subprocess.run([bwrap, "--dev-bind", "/", "/", "--ro-bind", str(ro), str(ro),
                        sys.executable, "-c", code, "grade", str(SOLUTION), str(subs),
                        "--out", str(ro / "g.csv"), "--sandbox", "none"],
                       cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)),
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 2 and "cannot write grades" in p.stderr, p.stdout + p.stderr
    assert p.stderr.count("\n") == 1 and "Traceback" not in p.stderr
    assert "reference run" not in p.stdout
