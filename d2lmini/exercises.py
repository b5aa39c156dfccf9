"""`d2lmini exercises build [--check]`: make the student notebooks in exercises/ from the
solution notebooks in solutions/ (nbgrader conventions).

- code between `### BEGIN SOLUTION` / `### END SOLUTION` becomes `# YOUR CODE HERE` and
  `raise NotImplementedError()` (at the same indentation);
- in markdown answer cells the region (or the whole cell) becomes `YOUR ANSWER HERE`;
- hidden tests between `### BEGIN HIDDEN TESTS` / `### END HIDDEN TESTS` are removed;
- outputs, execution counts and metadata other than nbgrader's are cleared; cell ids are
  stable, so building twice gives the same bytes.
Every solution notebook is checked against the grading conventions first. The folders
are those of the course checkout (`d2lmini.paths`), or --solutions / --exercises.
"""
import json
import pathlib
import sys

from .errors import UserError
from .fileio import atomic_write
from .grading.spec import (BEGIN_HIDDEN, BEGIN_SOLUTION, END_HIDDEN, END_SOLUTION, SpecError,
                           load_assignment, nbgrader_meta)
from .paths import course_root, material_dir

__all__ = ["ANSWER_STUB", "CODE_STUB", "build", "out_of_date", "plan", "register", "student_version"]
CODE_STUB = ["# YOUR CODE HERE", "raise NotImplementedError()"]
ANSWER_STUB = "YOUR ANSWER HERE"


def _replace_regions(source, begin, end, stub, where):
    """Replace each begin/end region by `stub` lines (indented like the begin marker);
    with stub None the region is dropped."""
    out, inside, indent = [], False, ""
    for line in source.split("\n"):
        mark = line.strip()
        if mark.startswith(begin):
            if inside:
                raise SpecError(f"{where}: nested {begin!r}")
            inside, indent = True, line[: len(line) - len(line.lstrip())]
            if stub:
                out.extend(indent + s for s in stub)
        elif mark.startswith(end):
            if not inside:
                raise SpecError(f"{where}: {end!r} without {begin!r}")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise SpecError(f"{where}: {begin!r} is never closed")
    return "\n".join(out)


def student_version(nb, name="notebook"):
    """The exercise notebook for a solution notebook (a new NotebookNode)."""
    import copy

    import nbformat
    load_assignment(nb, name)   # the test cells must be gradable
    out = nbformat.v4.new_notebook()
    from .course import notebook_metadata
    out.metadata = notebook_metadata()   # as JupyterLab saves it: not "modified" on open
    for i, cell in enumerate(nb.cells):
        where = f"{name} cell {i}"
        meta = nbgrader_meta(cell)
        src = cell.source
        has_solution = BEGIN_SOLUTION in src
        if has_solution and not meta.get("solution"):
            raise SpecError(f"{where}: has {BEGIN_SOLUTION!r} but no nbgrader solution metadata")
        if BEGIN_HIDDEN in src and not meta.get("grade"):
            raise SpecError(f"{where}: hidden tests outside a graded test cell")
        if meta.get("solution"):
            if cell.cell_type == "code":
                if not has_solution:
                    raise SpecError(f"{where}: a solution code cell needs {BEGIN_SOLUTION!r}")
                src = _replace_regions(src, BEGIN_SOLUTION, END_SOLUTION, CODE_STUB, where)
            elif has_solution:
                src = _replace_regions(src, BEGIN_SOLUTION, END_SOLUTION, [ANSWER_STUB], where)
            else:
                src = ANSWER_STUB
        src = _replace_regions(src, BEGIN_HIDDEN, END_HIDDEN, None, where)
        if cell.cell_type == "code":
            new = nbformat.v4.new_code_cell(src)
        elif cell.cell_type == "markdown":
            new = nbformat.v4.new_markdown_cell(src)
        else:
            new = nbformat.v4.new_raw_cell(src)
        if meta:
            new.metadata = {"nbgrader": copy.deepcopy(meta)}
        if cell.get("metadata", {}).get("tags"):   # e.g. raises-exception on test cells
            new.metadata["tags"] = list(cell.metadata["tags"])
        new["id"] = f"cell-{i:03d}"
        out.cells.append(new)
    out.nbformat, out.nbformat_minor = 4, 5
    return out


def _text(nb):
    import nbformat
    return nbformat.writes(nb) + "\n"


def _normalised(text):
    """JSON with sorted keys: what --check compares (whitespace and key order ignored)."""
    return json.dumps(json.loads(text), sort_keys=True)


def _folders(solutions=None, exercises=None, course_dir=None):
    """The solutions/ and exercises/ folders: given ones, else the checkout's; a given path
    that is not a folder is a UserError."""
    if solutions is None:
        solutions = material_dir("solutions", course_dir)
    solutions = pathlib.Path(solutions)
    if not solutions.is_dir():
        what = "a file" if solutions.exists() else "missing"
        raise UserError(f"--solutions {solutions} is {what}, not a folder of solution notebooks")
    if exercises is None:
        exercises = course_root(course_dir) / "exercises"
    exercises = pathlib.Path(exercises)
    if exercises.exists() and not exercises.is_dir():
        raise UserError(f"--exercises {exercises} is a file, not a folder: give the folder to "
                        "write the exercise notebooks into")
    return solutions, exercises


def plan(solutions=None, exercises=None, course_dir=None):
    """{exercise path: text} for every solution notebook."""
    import nbformat
    solutions, exercises = _folders(solutions, exercises, course_dir)
    paths = sorted(solutions.glob("[0-9][0-9]_*.ipynb"))
    if not paths:
        raise SpecError(f"no solution notebooks (NN_name.ipynb) in {solutions}")
    return {exercises / p.name: _text(student_version(nbformat.read(p, as_version=4), p.name))
            for p in paths}


def out_of_date(solutions=None, exercises=None, course_dir=None):
    """Problems that `build` would fix: missing, changed or stale exercise notebooks."""
    solutions, exercises = _folders(solutions, exercises, course_dir)
    wanted = plan(solutions, exercises)
    problems = []
    for path, text in wanted.items():
        if not path.exists():
            problems.append(f"missing: {path}")
        elif _normalised(path.read_text(encoding="utf-8")) != _normalised(text):
            problems.append(f"out of date: {path}")
    for path in sorted(exercises.glob("[0-9][0-9]_*.ipynb")):
        if path not in wanted:
            problems.append(f"stale (no solution): {path}")
    return problems


def build(solutions=None, exercises=None, course_dir=None):
    """Write every exercise notebook (atomically) and remove stale ones; return the paths
    that changed."""
    solutions, exercises = _folders(solutions, exercises, course_dir)
    wanted = plan(solutions, exercises)
    try:
        exercises.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UserError(f"cannot create {exercises}: {err.strerror}") from None
    changed = []
    for path, text in wanted.items():
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        atomic_write(path, text)
        changed.append(path)
    for path in sorted(exercises.glob("[0-9][0-9]_*.ipynb")):
        if path not in wanted:
            path.unlink()
            changed.append(path)
    return changed


def _run(args):
    try:
        if args.check:
            problems = out_of_date(args.solutions, args.exercises, args.course_dir)
            for p in problems:
                print(p)
            if problems:
                print("exercises/ is out of date: run `d2lmini exercises build`", file=sys.stderr)
                return 1
            print("exercises/ is up to date")
            return 0
        changed = build(args.solutions, args.exercises, args.course_dir)
        print(f"{len(changed)} exercise notebook(s) written" if changed
              else "exercises/ already up to date")
        for p in changed:
            print(f"  {p}")
        return 0
    except SpecError as err:
        print(f"d2lmini exercises: {err}", file=sys.stderr)
        return 2


def register(subparsers):
    """Add `d2lmini exercises build [--check]` to the command line."""
    p = subparsers.add_parser("exercises", help="build student notebooks from solutions/")
    sub = p.add_subparsers(dest="exercises_command", metavar="ACTION")
    b = sub.add_parser("build", help="write exercises/ from solutions/ (or --check it)")
    b.add_argument("--check", action="store_true",
                   help="change nothing; exit 1 listing the notebooks that are out of date")
    b.add_argument("--solutions", default=None,
                   help="folder of solution notebooks (default: solutions/ of the checkout)")
    b.add_argument("--exercises", default=None,
                   help="folder to write (default: exercises/ of the checkout)")
    b.add_argument("--course-dir", default=None, metavar="DIR",
                   help="the course checkout (default: $D2LMINI_COURSE_DIR, else the working "
                        "directory or its nearest parent holding solutions/)")
    b.set_defaults(func=_run)
    p.set_defaults(func=lambda args: p.print_help() or 0)
