"""`d2lmini grade`: grade a folder of submissions against a solution notebook."""
import concurrent.futures
import hashlib
import os
import pathlib
import sys
import threading

from .report import load_previous, summary_table, write_reports
from .runner import RunLimits, run_code
from .scoring import GradingError, TestResult, reason_for_error, run_reference, score_run
from .spec import SpecError, load_assignment, payload

MAX_NOTEBOOK_BYTES = 50_000_000


def solutions_dir():
    """The solutions/ folder of a source checkout."""
    return pathlib.Path(__file__).resolve().parent.parent.parent / "solutions"


def resolve_solution(name):
    """A solution notebook from a path, or an assignment name like "03" or "03_gradients"."""
    path = pathlib.Path(name)
    if path.is_file():
        return path
    matches = sorted(solutions_dir().glob(f"{name}*.ipynb")) if "/" not in name else []
    if len(matches) == 1:
        return matches[0]
    raise SystemExit(f"d2lmini grade: no solution notebook {name!r}: give a path to a solution "
                     f"notebook or an assignment name from {solutions_dir()} "
                     f"({', '.join(p.stem for p in sorted(solutions_dir().glob('*.ipynb')))})")


def collect_submissions(paths):
    """(student, path) pairs: a folder gives every notebook below it (student = path inside
    the folder without .ipynb), a file gives itself (student = file name without .ipynb)."""
    found = []
    for arg in paths:
        p = pathlib.Path(arg)
        if p.is_dir():
            for nb in sorted(p.rglob("*.ipynb")):
                if ".ipynb_checkpoints" not in nb.parts:
                    found.append((nb.relative_to(p).with_suffix("").as_posix(), nb))
        elif p.is_file():
            found.append((p.stem, p))
        else:
            raise SystemExit(f"d2lmini grade: submission {arg!r} does not exist")
    names = [s for s, _ in found]
    return [(s if names.count(s) == 1 else str(p.with_suffix("")), p) for s, p in found]


def file_sha256(path):
    """The SHA-256 of a file's content (read in chunks)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def code_cells(nb_bytes):
    """The code cells of a notebook (raises ValueError when it is not a notebook)."""
    import nbformat
    nb = nbformat.reads(nb_bytes.decode("utf-8"), as_version=4)
    return [c.source for c in nb.cells if c.cell_type == "code"]


class Grader:
    """Grades submissions of one assignment; the reference values are computed once."""

    def __init__(self, solution_path, limits):
        import nbformat
        self.path = pathlib.Path(solution_path)
        self.nb_bytes = self.path.read_bytes()
        nb = nbformat.reads(self.nb_bytes.decode("utf-8"), as_version=4)
        self.assignment = load_assignment(nb, self.path.stem)
        self.cells = [c.source for c in nb.cells if c.cell_type == "code"]
        self.limits = limits
        self._reference = None
        self._lock = threading.Lock()

    def reference(self):
        with self._lock:
            if self._reference is None:
                self._reference = run_reference(self.assignment, self.cells, self.path.name,
                                                self.nb_bytes, self.limits)
            return self._reference

    def grade(self, student, path):
        """Grade one submission file; never raises for a bad submission."""
        entry = {"student": student, "submission": str(path), "sha256": file_sha256(path),
                 "solution_sha256": self.assignment.sha256}
        try:
            if path.stat().st_size > MAX_NOTEBOOK_BYTES:
                raise ValueError("notebook larger than 50 MB")
            data = path.read_bytes()
            cells = code_cells(data)
        except Exception as exc:        # not JSON, not a notebook...
            results = self._all(f"unreadable notebook ({type(exc).__name__})")
            return self._finish(entry, results, 0.0, 0)
        run = run_code(cells, path.name, data, payload(self.assignment, trusted=False),
                       self.limits)
        results = score_run(self.assignment, self.reference(), run)
        entry["cell_errors"] = [f"code cell #{m.get('index')}: {reason_for_error(m['error'])}"
                                for m in run.messages
                                if m.get("type") == "cell" and m.get("error")][:50]
        entry["output_tail"] = run.output[-2000:]
        return self._finish(entry, results, run.seconds, run.output_bytes)

    def _all(self, reason):
        return [TestResult(t.grade_id, None if t.manual else 0, t.points,
                           "manual" if t.manual else reason) for t in self.assignment.tests]

    def _finish(self, entry, results, seconds, output_bytes):
        entry["tests"] = [{"grade_id": r.grade_id, "score": r.score, "points": r.points,
                           "reason": r.reason} for r in results]
        entry["score"] = sum(r.score for r in results if r.score is not None)
        entry["max_score"] = self.assignment.auto_points
        entry["seconds"] = round(seconds, 2)
        entry["output_bytes"] = output_bytes
        return entry


def plan_grading(found, previous, force=False):
    """Split (student, path) pairs into those to grade and the number skipped because
    `previous` (student -> entry) already holds a grade for the same file content."""
    todo, skipped = [], 0
    for student, path in found:
        old = previous.get(student)
        if old and not force and old.get("sha256") == file_sha256(path):
            skipped += 1
        else:
            todo.append((student, path))
    return todo, skipped


def grade_all(solution, submissions, out="grades.csv", limits=None, jobs=1, force=False,
              log=print):
    """Grade `submissions` (paths) against `solution`; write grades.csv and grades.json
    next to `out` and return the grades data (a dict)."""
    if os.name != "posix":
        raise SystemExit("d2lmini grade needs Linux or macOS (process groups, SIGALRM)")
    limits = limits or RunLimits()
    grader = Grader(solution, limits)
    csv_path = pathlib.Path(out)
    json_path = csv_path.with_suffix(".json")
    previous = load_previous(json_path) or {}
    same_solution = previous.get("solution_sha256") == grader.assignment.sha256
    data = {"solution": grader.path.name, "solution_sha256": grader.assignment.sha256,
            "tests": [{"grade_id": t.grade_id, "points": t.points, "manual": t.manual}
                      for t in grader.assignment.tests],
            "submissions": dict(previous.get("submissions", {})) if same_solution else {}}
    todo, skipped = plan_grading(collect_submissions(submissions), data["submissions"], force)
    if skipped:
        log(f"[d2lmini] {skipped} submission(s) already graded (same content): skipped; "
            "use --force to grade them again")
    if todo:
        log(f"[d2lmini] reference run of {grader.path.name} ...")
        grader.reference()
    lock = threading.Lock()

    def one(item):
        student, path = item
        try:
            entry = grader.grade(student, path)
        except GradingError:
            raise
        except Exception as exc:        # a grader bug must not stop the batch either
            entry = grader._finish({"student": student, "submission": str(path),
                                    "sha256": "", "solution_sha256": grader.assignment.sha256},
                                   grader._all(f"grader error ({type(exc).__name__}: {exc})"),
                                   0.0, 0)
        with lock:
            data["submissions"][student] = entry
            write_reports(csv_path, json_path, data)
            log(f"[d2lmini] {student}: {entry['score']:g}/{entry['max_score']:g} "
                f"({entry['seconds']:.1f} s)")
        return entry

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        list(pool.map(one, todo))
    write_reports(csv_path, json_path, data)
    ids = [t.grade_id for t in grader.assignment.tests]
    log(summary_table(list(data["submissions"].values()), ids))
    log(f"[d2lmini] wrote {csv_path} and {json_path}")
    return data


def run_cli(args):
    """Entry point of `d2lmini grade`."""
    limits = RunLimits(timeout=args.timeout, cell_timeout=args.cell_timeout,
                       memory_mb=args.memory_mb)
    try:
        grade_all(resolve_solution(args.solution), args.submissions, out=args.out,
                  limits=limits, jobs=args.jobs, force=args.force)
    except (SpecError, GradingError) as err:
        print(f"d2lmini grade: {err}", file=sys.stderr)
        return 2
    return 0
