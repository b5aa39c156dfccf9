"""`d2lmini exercises build`: student notebooks generated from solutions/."""
import importlib.util
import os
import pathlib
import shutil
import subprocess
import sys

import nbformat
import pytest

from d2lmini.cli import main
from d2lmini.exercises import ANSWER_STUB, build, out_of_date, student_version
from d2lmini.grading.spec import SpecError, load_assignment, nbgrader_meta

ROOT = pathlib.Path(__file__).resolve().parent.parent
SOLUTIONS = sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))


def test_exercises_folder_is_up_to_date():
    """The test command runs `d2lmini exercises build --check`."""
    assert main(["exercises", "build", "--check"]) == 0, \
        "exercises/ is out of date: run `d2lmini exercises build`"


def test_eight_solution_notebooks_with_three_graded_functions_each():
    assert [p.stem[:2] for p in SOLUTIONS] == [f"{i:02d}" for i in range(1, 9)]
    for path in SOLUTIONS:
        nb = nbformat.read(path, as_version=4)
        assignment = load_assignment(nb, path.name)
        auto = [t for t in assignment.tests if not t.manual]
        assert len(auto) >= 3, path.name
        for cell in nb.cells:
            meta = nbgrader_meta(cell)
            if meta:
                assert meta["schema_version"] == 3 and "grade_id" in meta
                assert meta["locked"] == (meta["grade"] and not meta["solution"])
            if cell.cell_type == "code":
                assert not cell.outputs and cell.execution_count is None


def test_student_version_replaces_solutions_and_drops_hidden_tests():
    sol = nbformat.read(SOLUTIONS[2], as_version=4)
    ex = student_version(sol, SOLUTIONS[2].name)
    assert len(ex.cells) == len(sol.cells)
    text = "\n".join(c.source for c in ex.cells)
    assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text
    for s, e in zip(sol.cells, ex.cells):
        meta = nbgrader_meta(s)
        assert nbgrader_meta(e) == meta                       # metadata kept for nbgrader
        if meta.get("solution") and s.cell_type == "code":
            assert "    # YOUR CODE HERE\n    raise NotImplementedError()" in e.source
            assert e.source.startswith("def ")                # signature and docstring kept
        if meta.get("solution") and s.cell_type == "markdown":
            assert ANSWER_STUB in e.source and "Question" in e.source
        if meta.get("grade") and s.cell_type == "code":
            assert "check(" in e.source                       # visible tests stay
            assert len(e.source) < len(s.source)              # hidden tests gone


def test_build_is_byte_stable_and_check_finds_changes(tmp_path, capsys):
    out = tmp_path / "exercises"
    assert len(build(exercises=out)) == len(SOLUTIONS)
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    assert build(exercises=out) == []                         # nothing to do the second time
    assert {p.name: p.read_bytes() for p in out.iterdir()} == first
    assert first == {p.name: (ROOT / "exercises" / p.name).read_bytes() for p in out.iterdir()}
    # damage the folder: one edited, one missing, one stale
    (out / SOLUTIONS[0].name).write_text((out / SOLUTIONS[0].name).read_text().replace(
        "YOUR CODE HERE", "my answer"))
    (out / SOLUTIONS[1].name).unlink()
    shutil.copy(out / SOLUTIONS[2].name, out / "99_old.ipynb")
    problems = out_of_date(exercises=out)
    assert len(problems) == 3
    assert main(["exercises", "build", "--check", "--exercises", str(out)]) == 1
    assert "99_old.ipynb" in capsys.readouterr().out
    build(exercises=out)
    assert out_of_date(exercises=out) == [] and not (out / "99_old.ipynb").exists()


def test_check_ignores_json_formatting_only(tmp_path):
    out = tmp_path / "exercises"
    build(exercises=out)
    path = out / SOLUTIONS[0].name
    nb = nbformat.read(path, as_version=4)
    path.write_text(nbformat.writes(nb, version=4).replace("\n ", "\n  "))   # re-indented
    assert out_of_date(exercises=out) == []


def _solution_with(source, meta):
    nb = nbformat.read(SOLUTIONS[0], as_version=4)
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = meta
    nb.cells.append(cell)
    return nb


@pytest.mark.parametrize("source, meta, message", [
    ("def f():\n    return 1", {"solution": True, "grade": False, "grade_id": "f"}, "needs"),
    ("def f():\n    ### BEGIN SOLUTION\n    return 1", {"solution": True, "grade": False,
                                                        "grade_id": "f"}, "never closed"),
    ("x = 1\n### BEGIN SOLUTION\nx = 2\n### END SOLUTION", {}, "no nbgrader solution"),
    ("assert f() == 1", {"grade": True, "solution": False, "grade_id": "t", "points": 1},
     "assert"),
    ("check('a', f(), 1)", {"grade": True, "solution": False, "grade_id": "test_lookup",
                            "points": 1}, "distinct grade_id"),
    ("check('a', f(), 1)", {"grade": True, "solution": False, "grade_id": "t", "points": 0},
     "points"),
])
def test_bad_solution_notebooks_get_clear_errors(source, meta, message):
    with pytest.raises(SpecError, match=message):
        student_version(_solution_with(source, meta), "bad.ipynb")


@pytest.mark.skipif(importlib.util.find_spec("nbgrader") is None,
                    reason="nbgrader is not installed (optional: pip install nbgrader)")
def test_nbgrader_generate_assignment_matches_our_exercise(tmp_path):
    """nbgrader itself turns a solution notebook into the same student cells."""
    path = SOLUTIONS[2]
    (tmp_path / "source" / "ps1").mkdir(parents=True)
    shutil.copy(path, tmp_path / "source" / "ps1" / path.name)
    env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])
    subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", "ps1", "--force",
                    f"--CourseDirectory.root={tmp_path}"], cwd=tmp_path, env=env, check=True,
                   capture_output=True, timeout=300)
    released = nbformat.read(tmp_path / "release" / "ps1" / path.name, as_version=4)
    ours = nbformat.read(ROOT / "exercises" / path.name, as_version=4)
    assert [c.source for c in released.cells] == [c.source for c in ours.cells]
