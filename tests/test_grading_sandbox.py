"""Attacks that reach outside the student's process, graded with and without the sandbox.

Each attack is one extra cell in a correct or untouched chapter-1 exercise. The sandboxed
runs skip (with bwrap's own reason) where bwrap cannot run; the controls without the
sandbox show that each attack works when nothing stops it.
"""
import os
import pathlib
import sys
import textwrap
import time
import uuid

import nbformat
import pytest

from d2lmini.exercises import student_version
from d2lmini.fileio import sha256_file
from d2lmini.grading.grade import grade_all
from d2lmini.grading.runner import RunLimits
from d2lmini.grading.sandbox import GRADING_DIR, SandboxUnavailable, probe_bwrap

ROOT = pathlib.Path(__file__).resolve().parent.parent
SOLUTION = ROOT / "solutions" / "01_text_and_vocab.ipynb"
LIMITS = RunLimits(timeout=60, cell_timeout=5)
FULL, ZERO = 6, 0

try:
    BOX, WHY = probe_bwrap(), ""
except SandboxUnavailable as err:
    BOX, WHY = None, str(err)
needs_bwrap = pytest.mark.skipif(BOX is None, reason=f"bwrap cannot run here: {WHY}")

READ_ANSWERS = r'''
import glob, json, os
places = set()
for pid in os.listdir("/proc"):                  # the grader's folder and command line
    if pid.isdigit():
        try:
            places.add(os.readlink(f"/proc/{pid}/cwd"))
            args = open(f"/proc/{pid}/cmdline", "rb").read().decode(errors="ignore")
            places.update(a for a in args.split("\0") if a.startswith("/"))
        except OSError:
            pass
import d2lmini.grading                           # ... and the library's own location
places.add(os.path.dirname(d2lmini.grading.__file__))
answers = None
for place in sorted(places):
    for _ in range(6):
        hits = glob.glob(os.path.join(place, "solutions", "01_*.ipynb"))
        if hits:
            answers = hits[0]
            break
        place = os.path.dirname(place)
    if answers:
        break
print("answers found:", answers)
if answers:
    for cell in json.load(open(answers))["cells"]:
        if cell["cell_type"] == "code" and cell["metadata"].get("nbgrader", {}).get("solution"):
            exec("".join(cell["source"]), globals())
'''

DAEMON = r'''
import os, sys
code = """
import os, time
for _ in range(150):
    time.sleep(0.2)
    for path, text in ((%(csv)r, "student,grade_id,score\\nx,TOTAL,6\\n"), (%(mark)r, "alive\\n")):
        try:
            with open(path, "w") as f:
                f.write(text)
        except OSError:
            pass
"""
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        os.closerange(3, 4096)
        os.execv(sys.executable, [sys.executable, "-c", code, %(tag)r])
    os._exit(0)
os.wait()
'''

TAMPER = r'''
import os
for target in (%(solution)r, %(checks)r, %(new)r):
    try:
        with open(target, "a") as f:
            f.write("# tampered\n")
        print("WROTE", target)
    except OSError as err:
        print("blocked:", type(err).__name__, target)
'''

KILL_EVERYONE = r'''
import os, signal
for pid in os.listdir("/proc"):
    if pid.isdigit() and int(pid) != os.getpid():
        try:
            os.kill(int(pid), signal.SIGKILL)
        except OSError:
            pass
'''

RECURSION = """
import sys
sys.setrecursionlimit(100_000)
def forever(n):
    return forever(n + 1)
forever(0)
"""


def _filled(extra=None, blank=False):
    """Chapter 1's exercise, answered correctly (unless blank), plus an extra last cell."""
    sol = nbformat.read(SOLUTION, as_version=4)
    nb = student_version(sol, SOLUTION.name)
    if not blank:
        for s, e in zip(sol.cells, nb.cells):
            if s.metadata.get("nbgrader", {}).get("solution") and s.cell_type == "code":
                e.source = s.source
    if extra:
        nb.cells.append(nbformat.v4.new_code_cell(textwrap.dedent(extra)))
    return nb


def _tagged(tag):
    """Host pids whose command line holds `tag`."""
    found = []
    for pid in os.listdir("/proc"):
        try:
            if pid.isdigit() and tag.encode() in pathlib.Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(int(pid))
        except OSError:
            pass
    return found


def _grade(tmp, subs, sandbox):
    folder = tmp / "submitted"
    folder.mkdir()
    for name, nb in subs.items():
        nbformat.write(nb, folder / f"{name}.ipynb")
    out = tmp / "grades" / "grades.csv"
    data = grade_all(SOLUTION, [folder], out=out, limits=LIMITS, jobs=2, sandbox=sandbox,
                     log=lambda m: None)
    return {k: e["score"] for k, e in data["submissions"].items()}, out


@needs_bwrap
def test_sandbox_stops_every_outside_attack(tmp_path):
    tag = f"d2lmini-daemon-{uuid.uuid4().hex}"
    mark = tmp_path / "daemon-was-here"
    new_file = ROOT / "d2lmini" / "tampered_by_student.py"
    watched = {p: sha256_file(p) for p in [SOLUTION, GRADING_DIR / "checks.py"]}
    subs = {
        "read_answers": _filled(READ_ANSWERS, blank=True),
        "daemon": _filled(DAEMON % {"csv": str(tmp_path / "grades" / "grades.csv"),
                                    "mark": str(mark), "tag": tag}),
        "tamper": _filled(TAMPER % {"solution": str(SOLUTION),
                                    "checks": str(GRADING_DIR / "checks.py"),
                                    "new": str(new_file)}),
        "kill_everyone": _filled(KILL_EVERYONE),
        "recursion": _filled(RECURSION),
    }
    scores, out = _grade(tmp_path, subs, BOX)
    assert scores == {"read_answers": ZERO, "daemon": FULL, "tamper": FULL,
                      "kill_everyone": FULL, "recursion": FULL}
    csv_text = out.read_text()
    time.sleep(2)                              # the daemon would write every 0.2 s
    assert _tagged(tag) == [] and not mark.exists()
    assert out.read_text() == csv_text and "x,TOTAL,6" not in csv_text
    assert {p: sha256_file(p) for p in watched} == watched and not new_file.exists()


def test_without_sandbox_the_attacks_work(tmp_path):
    """Control: with --sandbox none the answers are found and the daemon outlives the
    grader (the reason the sandbox exists). The runaway cell is stopped in both modes."""
    tag = f"d2lmini-daemon-{uuid.uuid4().hex}"
    mark = tmp_path / "daemon-was-here"
    subs = {"read_answers": _filled(READ_ANSWERS, blank=True),
            "daemon": _filled(DAEMON % {"csv": str(tmp_path / "elsewhere.csv"),
                                        "mark": str(mark), "tag": tag}),
            "recursion": _filled(RECURSION)}
    try:
        scores, _ = _grade(tmp_path, subs, "none")
        deadline = time.time() + 10
        while not mark.exists() and time.time() < deadline:
            time.sleep(0.2)
        survivors = _tagged(tag)
    finally:
        for pid in _tagged(tag):
            os.kill(pid, 9)
    assert scores == {"read_answers": FULL, "daemon": FULL, "recursion": FULL}
    assert survivors and mark.exists()


LIBRARY_ANSWERS = '''
import d2lmini, torch

def clip_by_global_norm(grads, theta):
    params = [torch.zeros_like(g, requires_grad=True) for g in grads]
    for p, g in zip(params, grads):
        p.grad = g.clone()
    norm = d2lmini.grad_clipping(params, theta)
    return [p.grad for p in params], norm

class _NoOffset:
    def randint(self, a, b):
        return 0

def sequential_batches(corpus, batch_size, num_steps):
    return list(d2lmini.seq_data_iter_sequential(corpus, batch_size, num_steps, rng=_NoOffset()))

def perplexity_from_batches(mean_losses, num_tokens):
    return d2lmini.perplexity(sum(l * n for l, n in zip(mean_losses, num_tokens)), sum(num_tokens))
'''


@pytest.mark.parametrize("sandbox", ["none", pytest.param("bwrap", marks=needs_bwrap)])
def test_answers_by_the_library_score_zero(tmp_path, sandbox, capsys):
    """Course policy: a submission may use only d2lmini.grading; chapter 2 answered by
    calling d2lmini's own implementations scores 0 (the control shows they are right)."""
    ch2 = ROOT / "solutions" / "02_rnn_from_scratch.ipynb"
    sol = nbformat.read(ch2, as_version=4)
    nb = student_version(sol, ch2.name)
    nb.cells.append(nbformat.v4.new_code_cell(LIBRARY_ANSWERS))
    scope = {}                                 # control: the real library passes every check
    exec(LIBRARY_ANSWERS, scope)
    for cell in sol.cells:
        if cell.metadata.get("nbgrader", {}).get("grade") and cell.cell_type == "code":
            exec("import math, torch\nfrom d2lmini.grading import check\n" + cell.source, scope)
    assert capsys.readouterr().out.count("passed:") >= 10
    (tmp_path / "s").mkdir()
    nbformat.write(nb, tmp_path / "s" / "library.ipynb")
    data = grade_all(ch2, [tmp_path / "s"], out=tmp_path / "g.csv", limits=LIMITS,
                     sandbox=BOX if sandbox == "bwrap" else "none", log=lambda m: None)
    entry = data["submissions"]["library"]
    assert entry["score"] == 0
    assert all("has no attribute" in t["reason"] for t in entry["tests"] if t["score"] == 0)


def test_sandbox_bwrap_required_but_missing_is_a_user_error(monkeypatch):
    from d2lmini.errors import UserError
    from d2lmini.grading import sandbox as sb
    monkeypatch.setattr(sb, "_probed", {"bwrap": "bwrap not found (test)"})
    with pytest.raises(UserError, match="bwrap not found"):
        sb.choose_sandbox("bwrap")
    lines = []
    assert sb.choose_sandbox("auto", log=lines.append).kind == "none"
    assert len(lines) == 1 and "WITHOUT" in lines[0]


@needs_bwrap
def test_sandbox_binds_no_checkout_and_only_the_grading_package():
    args = BOX.command([sys.executable, "x"], "/tmp/d2lmini-grade-1-x/work", 4096)
    binds = [args[i + 1] for i, a in enumerate(args) if a in ("--ro-bind", "--bind")]
    assert str(GRADING_DIR) in binds and str(ROOT) not in binds
    assert not any(b in (str(ROOT / "solutions"), str(ROOT / "d2lmini")) for b in binds)
    assert "--die-with-parent" in args and "--new-session" in args and "--proc" in args
