"""Feedback in the exercise notebooks: "passed" lines, failures that show only their
message, every test's result in one Run All (test cells tagged raises-exception), while
nbgrader's own autograde still scores a failing test as 0."""
import importlib.util
import os
import pathlib
import shutil
import subprocess
import sys

import nbformat
import pytest

from d2lmini.grading import check
from d2lmini.grading.checks import CheckFailed

ROOT = pathlib.Path(__file__).resolve().parent.parent
NAME = "01_text_and_vocab.ipynb"
WRONG_LOOKUP = "def lookup(token_to_idx, tokens):\n    return [0 for t in tokens]"


def test_check_prints_passed_and_fails_with_only_its_message(capsys):
    check("sum", 1 + 1, 2, "add")
    assert capsys.readouterr().out == "passed: sum\n"
    with pytest.raises(CheckFailed) as info:
        check("sum", 3, 2, "add the two numbers")
    shown = "\n".join(info.value._render_traceback_())
    assert "add the two numbers" in shown and "checks.py" not in shown


def _exercise(wrong_lookup):
    """Chapter 1's exercise, answered from the solution, lookup wrong if asked."""
    sol = nbformat.read(ROOT / "solutions" / NAME, as_version=4)
    nb = nbformat.read(ROOT / "exercises" / NAME, as_version=4)
    for s, e in zip(sol.cells, nb.cells):
        meta = s.metadata.get("nbgrader", {})
        if meta.get("solution") and s.cell_type == "code":
            e.source = WRONG_LOOKUP if wrong_lookup and meta["grade_id"] == "lookup" else s.source
    return nb


def test_run_all_shows_every_test_result():
    from nbclient import NotebookClient
    nb = nbformat.read(ROOT / "exercises" / NAME, as_version=4)     # untouched: all fail
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(ROOT)}}).execute()
    tests = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")
             and c.cell_type == "code"]
    assert len(tests) == 3 and all("raises-exception" in c.metadata["tags"] for c in tests)
    assert all(c.execution_count for c in nb.cells if c.cell_type == "code")  # none skipped
    assert all(any(o.output_type == "error" for o in c.outputs) for c in tests)
    nb = _exercise(wrong_lookup=True)
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(ROOT)}}).execute()
    by_id = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in nb.cells}
    error = [o for o in by_id["test_lookup"].outputs if o.output_type == "error"][0]
    assert error.ename == "CheckFailed" and not any("checks.py" in t for t in error.traceback)
    passed = "".join(o.get("text", "") for o in by_id["test_count_tokens"].outputs)
    assert "passed:" in passed


@pytest.mark.skipif(importlib.util.find_spec("nbgrader") is None,
                    reason="nbgrader is not installed (optional: pip install nbgrader)")
def test_nbgrader_autograde_still_scores_failures_as_zero(tmp_path):
    (tmp_path / "source" / "ps1").mkdir(parents=True)
    shutil.copy(ROOT / "solutions" / NAME, tmp_path / "source" / "ps1" / NAME)
    env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"],
               PYTHONPATH=str(ROOT))
    run = dict(cwd=tmp_path, env=env, check=True, capture_output=True, timeout=300)
    root = f"--CourseDirectory.root={tmp_path}"
    subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", "ps1", "--force",
                    root], **run)
    for student, wrong in (("alice", False), ("bob", True)):
        folder = tmp_path / "submitted" / student / "ps1"
        folder.mkdir(parents=True)
        nbformat.write(_exercise(wrong), folder / NAME)
    subprocess.run([sys.executable, "-m", "nbgrader", "autograde", "ps1", "--force", root], **run)
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}") as gb:
        def score(student, gid):
            return gb.find_grade(gid, NAME[:-6], "ps1", student).score
        assert [score("alice", g) for g in ("test_lookup", "test_count_tokens")] == [2, 2]
        assert [score("bob", g) for g in ("test_lookup", "test_count_tokens")] == [0, 2]
