"""The grader: scores, reasons, and submissions that try to cheat or break it.

The adversarial submissions are generated from solutions/01_text_and_vocab.ipynb (a fast
chapter) and graded in ONE `grade_all` call with jobs=2, like an instructor would.
"""
import csv
import json
import os
import pathlib
import textwrap

import nbformat
import pytest

from d2lmini.exercises import student_version
from d2lmini.grading import check
from d2lmini.grading.checks import EncodeError, compare, encode, roundtrip
from d2lmini.grading.grade import grade_all
from d2lmini.grading.runner import RunLimits, run_code
from d2lmini.grading.spec import SpecError, load_assignment, parse_test_cell, payload

ROOT = pathlib.Path(__file__).resolve().parent.parent
SOLUTION = ROOT / "solutions" / "01_text_and_vocab.ipynb"
LIMITS = RunLimits(timeout=45, cell_timeout=8)


# --- checks, encoding and the test-cell format (no subprocess) ---------------------------

def test_check_passes_and_fails_with_hint():
    import torch
    check("ok", torch.tensor([1.0, 2.0]), [1.0, 2.0 + 1e-8], "fine")
    with pytest.raises(AssertionError, match="count every line"):
        check("counts", {"a": 1}, {"a": 2}, "count every line")


def test_compare_is_strict_where_it_matters():
    import numpy as np
    import torch
    assert compare(roundtrip(torch.zeros(2, 3)), roundtrip(np.zeros((3, 2)))).startswith("expected shape")
    assert compare(roundtrip(True), roundtrip(1)) is not None          # bool is not an int
    assert compare(roundtrip([1, 2]), roundtrip((1, 2))) is None        # tuples and lists alike
    assert compare(roundtrip({(1, 2): "a"}), roundtrip({(1, 2): "b"})) is not None
    assert compare(roundtrip(0.1 + 0.2), roundtrip(0.3)) is None
    assert compare(roundtrip("x"), roundtrip(None)) is not None


def test_objects_that_claim_equality_cannot_be_sent():
    class Anything:
        def __eq__(self, other):
            return True

    with pytest.raises(EncodeError):
        encode(Anything())
    assert encode(type("MyInt", (int,), {"__eq__": lambda s, o: True})(3)) == 3


def test_test_cells_must_not_assert_or_hide_checks():
    with pytest.raises(SpecError, match="assert"):
        parse_test_cell("assert f(1) == 2", "cell")
    with pytest.raises(SpecError, match="top-level"):
        parse_test_cell("for x in [1]:\n    check('a', f(x), 1)", "cell")
    with pytest.raises(SpecError, match="at least one"):
        parse_test_cell("x = 1", "cell")
    steps = parse_test_cell("x = 2\ncheck('double', f(x), 4, 'twice')", "cell")
    assert steps[0] == ("exec", "x = 2")
    assert steps[1][1].actual == "f(x)" and steps[1][1].expected == "4"


def test_expected_values_never_go_to_the_student_process():
    assignment = load_assignment(nbformat.read(SOLUTION, as_version=4), SOLUTION.stem)
    untrusted = json.dumps(payload(assignment, trusted=False))
    trusted = json.dumps(payload(assignment, trusted=True))
    assert '"expected"' not in untrusted and '"expected"' in trusted
    # the literal expected value of a hidden check is only in the trusted payload
    assert "[[1], [3, 0], []]" not in untrusted and "[[1], [3, 0], []]" in trusted


def test_output_is_capped_inside_the_pipe_reader():
    run = run_code(["print('x' * 5_000_000)"], "s.ipynb", b"{}", {"cells": []},
                   RunLimits(timeout=60, cell_timeout=30, output_cap=100_000))
    assert len(run.output) <= 100_000
    assert run.output_bytes >= 5_000_000


# --- adversarial submissions ----------------------------------------------------------

SNOOP = r'''
import os
FOUND = []
MARK = "BEGIN " + "HIDDEN TESTS"          # not written literally: this notebook is in cwd
def _look(root, depth):
    for dirpath, dirnames, filenames in os.walk(root):
        if dirpath.count(os.sep) - root.count(os.sep) >= depth:
            dirnames[:] = []
        for f in filenames:
            try:
                with open(os.path.join(dirpath, f), errors="ignore") as fh:
                    if MARK in fh.read() or "01_text_and_vocab" in f:
                        FOUND.append(os.path.join(dirpath, f))
            except OSError:
                pass
_look(os.getcwd(), 3)
_look(os.path.dirname(os.getcwd()), 3)
FOUND += [k for k, v in os.environ.items()
          if "HIDDEN" in v or "solutions" in v or "01_text_and_vocab" in v]
print("found:", FOUND)
'''


def _cells(nb):
    return {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in nb.cells}


def _filled_exercise():
    """The exercise notebook with the solution's code pasted in: a correct submission."""
    sol = nbformat.read(SOLUTION, as_version=4)
    ex = student_version(sol, SOLUTION.name)
    sol_cells = _cells(sol)
    for gid, cell in _cells(ex).items():
        meta = cell.metadata.get("nbgrader", {})
        if gid and meta.get("solution") and cell.cell_type == "code":
            cell.source = sol_cells[gid].source
    return ex


def _insert(nb, after_gid, source):
    idx = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells].index(after_gid)
    nb.cells.insert(idx + 1, nbformat.v4.new_code_cell(textwrap.dedent(source)))
    return nb


def _submissions():
    """name -> (notebook or raw bytes, expected {grade_id: score}, expected reason parts)."""
    full = {"test_lookup": 2, "test_count_tokens": 2, "test_one_hot_bytes": 2}
    subs = {}
    nb = _filled_exercise()
    nb.cells.insert(2, nbformat.v4.new_markdown_cell("my notes"))
    nb.cells.append(nbformat.v4.new_code_cell("extra = lookup({'a': 1}, ['a'])\nprint(extra)"))
    subs["extra_cells"] = (nb, full, {})
    nb = _filled_exercise()
    _cells(nb)["count_tokens"].source = "def count_tokens(lines, token='word'):\n    return {{{"
    subs["syntax_error"] = (nb, dict(full, test_count_tokens=0),
                            {"test_count_tokens": "missing function `count_tokens`"})
    nb = _filled_exercise()
    cell = _cells(nb)["lookup"]
    cell.source = "raise RuntimeError('boom')\n" + cell.source
    subs["exception_in_cell"] = (nb, dict(full, test_lookup=0),
                                 {"test_lookup": "missing function `lookup`"})
    nb = _filled_exercise()
    _cells(nb)["count_tokens"].source = ("def count_tokens(lines, token='word'):\n"
                                         "    while True:\n        pass")
    subs["loop_in_function"] = (nb, dict(full, test_count_tokens=0),
                                {"test_count_tokens": "timeout"})
    nb = _insert(_filled_exercise(), "lookup", """
        import time
        while True:                      # swallows the per-cell interrupt
            try:
                time.sleep(0.5)
            except BaseException:
                pass
        """)
    subs["loop_forever"] = (nb, dict.fromkeys(full, 0), dict.fromkeys(full, "timeout"))
    nb = _insert(_filled_exercise(), "lookup", "print('x' * 100_000_000)")
    subs["print_100mb"] = (nb, full, {})
    nb = _insert(_filled_exercise(), "lookup", "import sys\nsys.exit()")
    subs["sys_exit"] = (nb, full, {})
    nb = _insert(_filled_exercise(), "lookup", "import os\nos._exit(1)")
    subs["os_exit"] = (nb, dict.fromkeys(full, 0), dict.fromkeys(full, "kernel died (exit code 1)"))
    nb = _insert(_filled_exercise(), "lookup", """
        import os, shutil
        for name in os.listdir("."):
            shutil.rmtree(name) if os.path.isdir(name) else os.remove(name)
        for name in os.listdir(".."):
            if name != os.path.basename(os.getcwd()):
                p = os.path.join("..", name)
                shutil.rmtree(p, ignore_errors=True) if os.path.isdir(p) else os.remove(p)
        """)
    subs["delete_files"] = (nb, full, {})
    nb = student_version(nbformat.read(SOLUTION, as_version=4))
    nb.cells.append(nbformat.v4.new_code_cell(textwrap.dedent("""
        import os
        row = "student,grade_id,score,max_score,reason,submission,sha256\nfake_grades,TOTAL,999,6,passed,x,y\n"
        for d in (".", ".."):
            for name in ("grades.csv", "grades.json"):
                with open(os.path.join(d, name), "w") as f:
                    f.write(row)
        os.environ["D2LMINI_GRADES"] = "999"
        """)))
    subs["fake_grades"] = (nb, dict.fromkeys(full, 0), dict.fromkeys(full, "NotImplementedError"))
    nb = _filled_exercise()
    cell = _cells(nb)["lookup"]
    cell.source = SNOOP + "\n" + cell.source.replace(
        "### BEGIN SOLUTION", "### BEGIN SOLUTION\n    if FOUND:\n        return FOUND")
    subs["snoop_hidden_tests"] = (nb, full, {})
    nb = student_version(nbformat.read(SOLUTION, as_version=4))
    _cells(nb)["lookup"].source = textwrap.dedent("""
        class Anything:
            def __eq__(self, other):
                return True
        def lookup(token_to_idx, tokens):
            return Anything()
        """)
    _cells(nb)["count_tokens"].source = "def count_tokens(lines, token='word'):\n    return {}"
    _cells(nb)["one_hot_bytes"].source = ("def one_hot_bytes(n, v, dtype=None):\n    return -1\n"
                                          "def index_bytes(n, dtype=None):\n    return -1")
    nb.cells.insert(1, nbformat.v4.new_code_cell(textwrap.dedent("""
        import builtins, numpy, numpy.testing, torch, d2lmini.grading, d2lmini.grading.checks
        torch.allclose = lambda *a, **k: True
        torch.equal = lambda *a, **k: True
        numpy.allclose = lambda *a, **k: True
        numpy.testing.assert_allclose = lambda *a, **k: None
        d2lmini.grading.checks.compare = lambda *a, **k: None
        d2lmini.grading.check = d2lmini.grading.checks.check = lambda *a, **k: None
        def check(*args, **kwargs):
            pass
        builtins.AssertionError = type("Never", (Exception,), {})
        """)))
    subs["monkeypatch"] = (nb, dict.fromkeys(full, 0),
                           {"test_lookup": "cannot be graded", "test_count_tokens": "failed check",
                            "test_one_hot_bytes": "failed check"})
    subs["not_a_notebook"] = (b"{this is not json", dict.fromkeys(full, 0),
                              dict.fromkeys(full, "unreadable notebook"))
    return subs


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Grade every adversarial submission in one call (jobs=2); keep the log."""
    subs_dir = tmp_path_factory.mktemp("submitted")
    out_dir = tmp_path_factory.mktemp("grades")
    subs = _submissions()
    for name, (nb, _, _) in subs.items():
        path = subs_dir / f"{name}.ipynb"
        path.write_bytes(nb) if isinstance(nb, bytes) else nbformat.write(nb, path)
    before = {p.name: p.read_bytes() for p in subs_dir.iterdir()}
    log = []
    data = grade_all(SOLUTION, [subs_dir], out=out_dir / "grades.csv", limits=LIMITS, jobs=2,
                     log=log.append)
    return {"subs": subs, "data": data, "dir": subs_dir, "out": out_dir, "before": before,
            "log": log}


ADVERSARIAL = ["extra_cells", "syntax_error", "exception_in_cell", "loop_in_function",
               "loop_forever", "print_100mb", "sys_exit", "os_exit", "delete_files",
               "fake_grades", "snoop_hidden_tests", "monkeypatch", "not_a_notebook"]


@pytest.mark.parametrize("name", ADVERSARIAL)
def test_adversarial_submission_gets_its_score_and_reason(graded, name):
    _, scores, reasons = graded["subs"][name]
    entry = graded["data"]["submissions"][name]
    got = {t["grade_id"]: t for t in entry["tests"]}
    for gid, score in scores.items():
        assert got[gid]["score"] == score, (gid, got[gid])
        assert reasons.get(gid, "passed") in got[gid]["reason"], (gid, got[gid])
    assert got["why_unk"]["score"] is None and got["why_unk"]["reason"] == "manual"
    assert entry["score"] == sum(scores.values()) and entry["max_score"] == 6


def test_grades_csv_has_a_row_per_test_and_a_total(graded):
    rows = list(csv.DictReader((graded["out"] / "grades.csv").open()))
    assert len(rows) == len(ADVERSARIAL) * 5        # 4 graded cells + TOTAL
    totals = {r["student"]: r["score"] for r in rows if r["grade_id"] == "TOTAL"}
    assert totals["extra_cells"] == "6" and totals["fake_grades"] == "0"
    assert "fake_grades" not in {r["student"] for r in rows if r["score"] == "999"}
    assert not any(r["score"] == "999" for r in rows)


def test_submissions_are_run_on_copies(graded):
    after = {p.name: p.read_bytes() for p in graded["dir"].iterdir()}
    assert after == graded["before"]     # delete_files and fake_grades touched only copies


def test_output_flood_is_counted_not_kept(graded):
    assert graded["data"]["submissions"]["print_100mb"]["output_bytes"] >= 100_000_000


def test_snoop_would_have_found_planted_hidden_tests(tmp_path, monkeypatch):
    """Control for snoop_hidden_tests: the same search finds hidden tests that ARE there."""
    (tmp_path / "work").mkdir()
    (tmp_path / "leak.txt").write_text("### BEGIN HIDDEN TESTS")
    monkeypatch.chdir(tmp_path / "work")
    monkeypatch.setenv("D2LMINI_TEST_LEAK", "HIDDEN")
    scope = {}
    exec(SNOOP, scope)
    assert any(f.endswith("leak.txt") for f in scope["FOUND"])
    assert "D2LMINI_TEST_LEAK" in scope["FOUND"]


def test_second_run_skips_graded_submissions(graded):
    csv_before = (graded["out"] / "grades.csv").read_text()
    log = []
    grade_all(SOLUTION, [graded["dir"]], out=graded["out"] / "grades.csv", limits=LIMITS,
              jobs=2, log=log.append)
    assert any(f"{len(ADVERSARIAL)} submission(s) already graded" in line for line in log)
    assert not any("reference run" in line for line in log)
    assert (graded["out"] / "grades.csv").read_text() == csv_before


def test_grades_json_lists_every_submission(graded):
    data = json.loads((graded["out"] / "grades.json").read_text())
    assert set(data["submissions"]) == set(ADVERSARIAL)
    assert all(len(e["sha256"]) == 64 for e in data["submissions"].values())
    assert os.path.basename(data["solution"]) == SOLUTION.name


# --- every chapter: the solution scores full marks, the exercise scores 0 ----------------

CHAPTERS = sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))


@pytest.mark.parametrize("solution", CHAPTERS, ids=lambda p: p.stem)
def test_solution_scores_full_marks_and_exercise_zero(solution, tmp_path):
    subs = tmp_path / "submitted"
    subs.mkdir()
    (subs / "solution.ipynb").write_bytes(solution.read_bytes())
    (subs / "exercise.ipynb").write_bytes((ROOT / "exercises" / solution.name).read_bytes())
    data = grade_all(solution, [subs], out=tmp_path / "grades.csv",
                     limits=RunLimits(timeout=120, cell_timeout=60), jobs=2, log=lambda m: None)
    best, blank = data["submissions"]["solution"], data["submissions"]["exercise"]
    assert best["score"] == best["max_score"] > 0, best["tests"]
    assert blank["score"] == 0
    for t in blank["tests"]:
        assert t["reason"] == "manual" if t["score"] is None else "NotImplementedError" in t["reason"]


def test_regrading_is_keyed_on_content_unless_forced(tmp_path):
    from d2lmini.fileio import sha256_file as file_sha256
    from d2lmini.grading.grade import plan_grading
    from d2lmini.grading.submissions import collect_submissions
    (tmp_path / "alice").mkdir()
    (tmp_path / "alice" / "hw.ipynb").write_text("{}")
    (tmp_path / "bob.ipynb").write_text("{}")
    found = [(s.student, s.path) for s in collect_submissions([tmp_path], log=lambda m: None)]
    assert [s for s, _ in found] == ["alice/hw", "bob"]
    previous = {s: {"sha256": file_sha256(p)} for s, p in found}
    assert plan_grading(found, previous) == ([], 2)
    (tmp_path / "bob.ipynb").write_text('{"changed": 1}')
    assert plan_grading(found, previous) == ([found[1]], 1)
    assert plan_grading(found, previous, force=True) == (found, 0)
