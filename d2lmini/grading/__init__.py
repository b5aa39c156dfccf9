"""Grading of exercise notebooks with hidden tests: `d2lmini grade`.

Design (see also the README, "For instructors")
------------------------------------------------
A solution notebook (solutions/NN_name.ipynb) follows nbgrader's conventions: solution
regions between `### BEGIN SOLUTION`/`### END SOLUTION`, graded test cells with nbgrader
metadata (grade: true, grade_id, points) and hidden tests between
`### BEGIN HIDDEN TESTS`/`### END HIDDEN TESTS`. A graded test cell holds setup
statements and `check(name, actual, expected, hint)` calls at the top level (no
`assert`). In a notebook, `check` is an assert with a helpful message. The grader
reads the same cell as data:

1. Every submission runs in its own fresh Python process (IPython's InteractiveShell, so
   magics work) started in a new temporary folder holding only a copy of the submission,
   with a cleaned environment, its own process group, a memory limit, a per-cell time
   limit (SIGALRM) and a per-submission wall-clock limit. Each cell runs with errors
   allowed. stdout/stderr go through a pipe the grader reads in chunks, keeping the
   first 1 MB and dropping the rest, so a flood of output costs neither memory nor disk.
2. Only after the student's cells have run does the grader send the test code, through
   the process's stdin: the setup statements and the `actual` expression of each check,
   taken from the SOLUTION notebook it holds (the student's copies of test cells are just
   student cells). The `expected` expressions are never sent to the student's process.
3. The student's process sends each `actual` value back as plain JSON (numbers, strings,
   lists, dicts, sets, tensors/arrays as dtype+shape+values) through a separate pipe.
   The grader decodes JSON only (never pickle) and compares with the expected values,
   which come from a trusted run of the solution notebook, in its own process. So
   monkeypatching torch.allclose, numpy.testing, `check` or `==` inside the notebook
   changes nothing: the comparison never happens there.
4. Scores, grades.csv and grades.json are computed and written only by the grader, far
   from the temporary folder (which is deleted afterwards).

Not protected against (run the grader as a separate OS user or in a container for that):
code that reads or writes files by absolute path with the instructor's permissions (it
could find the solution notebook via /proc and read it, or overwrite grades.csv before
the grader writes it), network access, daemons that escape the process group, exhausting
CPU/disk of the machine. A student who learns the hidden test inputs (they are in the
process while tests run) still has to compute the right values: expected values never
enter the student's process.
"""
from .checks import check  # noqa: F401  (the helper used by test cells)


def register(subparsers):
    """Add `d2lmini grade` to the command line."""
    p = subparsers.add_parser(
        "grade", help="grade submitted notebooks against a solution notebook",
        description="Run each submission in its own process, inject the solution's tests "
                    "(hidden ones too) after the student's cells, compare results outside "
                    "the student's process, and write grades.csv and grades.json.")
    p.add_argument("solution", metavar="SOLUTION_OR_ASSIGNMENT",
                   help="a solution notebook, or an assignment name such as 03 or 03_gradients")
    p.add_argument("submissions", nargs="+", metavar="SUBMISSIONS",
                   help="submitted notebooks, or folders searched for *.ipynb")
    p.add_argument("--out", default="grades.csv", help="CSV file to write (JSON goes beside it)")
    p.add_argument("--timeout", type=float, default=120.0,
                   help="seconds per submission (default 120)")
    p.add_argument("--cell-timeout", type=float, default=30.0,
                   help="seconds per cell before it is interrupted (default 30)")
    p.add_argument("--memory-mb", type=int, default=4096,
                   help="memory limit per submission in MB, 0 for none (default 4096)")
    p.add_argument("--jobs", type=int, default=1, help="submissions graded in parallel")
    p.add_argument("--force", action="store_true",
                   help="grade again submissions whose content was already graded")

    def _run(args):
        from .grade import run_cli
        return run_cli(args)
    p.set_defaults(func=_run)
