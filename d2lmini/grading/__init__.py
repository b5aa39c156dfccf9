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
   magics work), inside a bubblewrap sandbox where one works (sandbox.py: no network, a
   fresh /proc, read-only Python and d2lmini/grading only; nothing of the checkout,
   solutions/, the submissions or the grades), in a new temporary folder holding only a
   copy of the submission, with a cleaned environment and memory/process limits. The
   process is started (torch, numpy and IPython imported) before its submission is known,
   so start-up overlaps the previous submission (runner.py, `Worker`).
2. Only after the student's cells have run does the grader send the test code, through
   the process's stdin: the setup statements and the `actual` expression of each check,
   taken from the SOLUTION notebook it holds (the student's copies of test cells are just
   student cells). The `expected` expressions are never sent to the student's process.
3. The student's process sends each `actual` value back as plain JSON (numbers, strings,
   lists, dicts, sets, tensors/arrays as dtype+shape+values) through a separate pipe.
   The grader decodes JSON only (never pickle) and compares with the expected values,
   which come from a trusted run of the solution notebook, in its own process.
4. Time limits are kept from outside: the grader interrupts a cell that runs over its
   limit and kills the whole submission when the interrupt does not end it; when a
   submission ends, every process it started ends (the sandbox's PID namespace).
5. Each graded submission is appended to a journal (journal.py) and grades.csv/grades.json
   are rebuilt from it atomically, so a killed grader loses at most the submission in
   flight. Every entry of the submissions folder gets a row (submissions.py).

Course policy: a submission may use only `d2lmini.grading` from the library (child.py
hides every other module), so answering an exercise by calling the library's own
implementation fails like a missing function. README, "For instructors", says what the
sandbox does not protect against.
"""
__all__ = ["check", "register"]

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
                   help="seconds per submission, > 0 (default 120)")
    p.add_argument("--cell-timeout", type=float, default=30.0,
                   help="seconds per cell before it is interrupted, > 0 (default 30)")
    p.add_argument("--memory-mb", type=int, default=4096,
                   help="memory limit per process in MB, >= 256, or 0 for none (default 4096)")
    p.add_argument("--jobs", type=int, default=1, help="submissions graded in parallel")
    p.add_argument("--force", action="store_true",
                   help="grade again submissions whose content was already graded")
    p.add_argument("--sandbox", choices=("auto", "bwrap", "none"), default="auto",
                   help="run each submission in a bubblewrap sandbox: auto (when bwrap "
                        "works, default), bwrap (required) or none (see README)")

    def _run(args):
        from .grade import run_cli
        return run_cli(args)
    p.set_defaults(func=_run)
