"""`d2lmini grade`: grade a folder of submissions against a solution notebook."""
import os
import pathlib
import shutil
import tempfile
import threading

from ..errors import UserError
from ..fileio import sha256_file
from .journal import Journal, journal_path
from .report import summary_table, write_reports
from .runner import TEMP_PREFIX, RunLimits, Worker
from .sandbox import Sandbox, choose_sandbox
from .scoring import GradingError, reason_for_error, results_for_all, run_reference, score_run
from .spec import SpecError, load_assignment, payload
from .submissions import (check_limits, check_output, collect_submissions, resolve_solution)

__all__ = ["MAX_NOTEBOOK_BYTES", "WARM_WORKERS", "Grader", "clean_stale_temp", "code_cells", "grade_all",
           "plan_grading", "run_cli"]

MAX_NOTEBOOK_BYTES = 50_000_000
WARM_WORKERS = True     # start each thread's next worker while it grades (False: measure without)


def code_cells(nb_bytes):
    """The code cells of a notebook (raises ValueError when it is not a notebook)."""
    import nbformat
    nb = nbformat.reads(nb_bytes.decode("utf-8"), as_version=4)
    return [c.source for c in nb.cells if c.cell_type == "code"]


class Grader:
    """Grades submissions of one assignment; the reference values are computed once.
    Each grading thread keeps one warm worker started ahead of its next submission."""

    def __init__(self, solution_path, limits, sandbox=None):
        import nbformat
        self.path = pathlib.Path(solution_path)
        try:
            self.nb_bytes = self.path.read_bytes()
            nb = nbformat.reads(self.nb_bytes.decode("utf-8"), as_version=4)
        except (OSError, ValueError) as err:
            raise UserError(f"cannot read the solution notebook {self.path}: {err}") from None
        try:
            self.assignment = load_assignment(nb, self.path.stem)
        except SpecError as err:
            raise UserError(f"solution notebook {self.path}: {err}") from None
        self.cells = [c.source for c in nb.cells if c.cell_type == "code"]
        self.limits, self.sandbox = limits, sandbox or Sandbox("none")
        self._reference = None
        self._lock = threading.Lock()
        self._spares = {}           # thread id -> a started Worker

    def reference(self):
        """{grade_id: {check: expected}} from one trusted run of the solution."""
        with self._lock:
            if self._reference is None:
                self._reference = run_reference(self.assignment, self.cells, self.path.name,
                                                self.nb_bytes, self.limits, self.sandbox)
            return self._reference

    def entry(self, student, path, results, sha256="", seconds=0.0, output_bytes=0):
        """The record of one submission (what the journal and grades.json hold)."""
        return {"student": student, "submission": str(path), "sha256": sha256,
                "solution_sha256": self.assignment.sha256,
                "tests": [{"grade_id": r.grade_id, "score": r.score, "points": r.points,
                           "reason": r.reason} for r in results],
                "score": sum(r.score for r in results if r.score is not None),
                "max_score": self.assignment.auto_points, "seconds": round(seconds, 2),
                "output_bytes": output_bytes}

    def rejected(self, student, path, reason):
        """The record of an entry that cannot be graded: 0 points, `reason` on every test."""
        return self.entry(student, path, results_for_all(self.assignment, reason))

    def _worker(self, warm_next):
        key = threading.get_ident()
        with self._lock:
            worker = self._spares.pop(key, None)
        worker = worker or Worker(self.limits, self.sandbox)
        if warm_next:
            spare = Worker(self.limits, self.sandbox)
            with self._lock:
                self._spares[key] = spare
        return worker

    def grade(self, student, path, warm_next=False):
        """Grade one submission file; never raises for a bad submission."""
        path = pathlib.Path(path)
        try:
            sha = sha256_file(path)
            if path.stat().st_size > MAX_NOTEBOOK_BYTES:
                raise ValueError("notebook larger than 50 MB")
            data = path.read_bytes()
        except (OSError, ValueError) as exc:
            return self.rejected(student, path, f"unreadable ({type(exc).__name__}: {exc})")
        try:
            cells = code_cells(data)
        except Exception as exc:        # not JSON, not a notebook...
            return self.entry(student, path, results_for_all(
                self.assignment, f"unreadable notebook ({type(exc).__name__})"), sha)
        reference = self.reference()
        run = self._worker(warm_next).run(cells, path.name, data,
                                          payload(self.assignment, trusted=False))
        entry = self.entry(student, path, score_run(self.assignment, reference, run), sha,
                           run.seconds, run.output_bytes)
        entry["cell_errors"] = [f"code cell #{m.get('index')}: {reason_for_error(m['error'])}"
                                for m in run.messages
                                if m.get("type") == "cell" and m.get("error")][:50]
        entry["output_tail"] = run.output[-2000:]
        return entry

    def close(self):
        """Stop the warm workers nobody needs any more."""
        with self._lock:
            spares, self._spares = list(self._spares.values()), {}
        for worker in spares:
            worker.close()


def plan_grading(found, previous, force=False):
    """Split (student, path) pairs into those to grade and the number skipped because
    `previous` (student -> entry) already holds a grade for the same file content."""
    todo, skipped = [], 0
    for student, path in found:
        old = previous.get(student)
        try:
            same = bool(old) and not force and old.get("sha256") == sha256_file(path)
        except OSError:
            same = False
        if same:
            skipped += 1
        else:
            todo.append((student, path))
    return todo, skipped


def clean_stale_temp():
    """Delete temp folders left by graders that were killed (their pid is gone)."""
    for folder in pathlib.Path(tempfile.gettempdir()).glob(f"{TEMP_PREFIX}*-*"):
        pid = folder.name[len(TEMP_PREFIX):].split("-")[0]
        if pid.isdigit() and int(pid) != os.getpid() and not os.path.exists(f"/proc/{pid}"):
            shutil.rmtree(folder, ignore_errors=True)


def _report_data(grader, entries):
    return {"solution": grader.path.name, "solution_sha256": grader.assignment.sha256,
            "sandbox": grader.sandbox.kind,
            "tests": [{"grade_id": t.grade_id, "points": t.points, "manual": t.manual}
                      for t in grader.assignment.tests],
            "submissions": entries}


def grade_all(solution, submissions, out="grades.csv", limits=None, jobs=1, force=False,
              log=print, sandbox="auto"):
    """Grade `submissions` (paths) against `solution`; keep a journal and write grades.csv
    and grades.json next to `out`; return the grades data (a dict). `sandbox` is "auto",
    "bwrap", "none" or a Sandbox."""
    if os.name != "posix":
        raise UserError("d2lmini grade needs Linux or macOS (process groups, signals)")
    limits = limits or RunLimits()
    check_limits(limits.timeout, limits.cell_timeout, limits.memory_mb, jobs)
    csv_path = pathlib.Path(out)
    check_output(csv_path, submissions)
    box = sandbox if isinstance(sandbox, Sandbox) else choose_sandbox(sandbox, log)
    grader = Grader(solution, limits, box)
    found = collect_submissions(submissions, log)
    with Journal(journal_path(csv_path)) as journal:
        clean_stale_temp()
        return _grade(grader, found, journal, csv_path, jobs, force, log)


def _grade(grader, found, journal, csv_path, jobs, force, log):
    json_path = csv_path.with_suffix(".json")
    previous = journal.latest(grader.assignment.sha256)
    notebooks = [(s.student, s.path) for s in found if s.reason is None]
    todo, skipped = plan_grading(notebooks, previous, force)
    entries = {s.student: grader.rejected(s.student, s.path, s.reason)
               for s in found if s.reason is not None}
    if entries:
        log(f"[d2lmini] {len(entries)} entries are not gradable notebooks and get a row "
            f"with the reason: {', '.join(sorted(entries))}")
    redo = {student for student, _ in todo}
    current = {s.student for s in found}
    dropped = []
    for student, old in previous.items():
        if student in current and student not in redo and student not in entries:
            entries[student] = old
        elif student not in current:
            if os.path.lexists(old.get("submission", "")):
                entries[student] = old         # graded by an earlier call with other paths
            else:
                dropped.append(student)
    if dropped:
        log(f"[d2lmini] dropped the rows of {len(dropped)} deleted submission(s): "
            f"{', '.join(sorted(dropped))}")
    if skipped:
        log(f"[d2lmini] {skipped} submission(s) already graded (same content): skipped; "
            "use --force to grade them again")
    data = _report_data(grader, entries)
    lock = threading.Lock()
    write_reports(csv_path, json_path, data)
    queue = list(todo)
    if queue:
        log(f"[d2lmini] reference run of {grader.path.name} ...")
        try:
            grader.reference()
        except GradingError as err:
            log(str(err))
            raise UserError(f"cannot grade: {str(err).splitlines()[0]}") from None

    def work():
        while True:
            with lock:
                if not queue:
                    return
                student, path = queue.pop(0)
                warm_next = WARM_WORKERS and len(queue) >= jobs
            try:
                entry = grader.grade(student, path, warm_next)
            except Exception as exc:        # a grader bug must not stop the batch either
                entry = grader.rejected(student, path,
                                        f"grader error ({type(exc).__name__}: {exc})")
            with lock:
                journal.append(entry)
                data["submissions"][student] = entry
                write_reports(csv_path, json_path, data)
                log(f"[d2lmini] {student}: {entry['score']:g}/{entry['max_score']:g} "
                    f"({entry['seconds']:.1f} s)")

    threads = [threading.Thread(target=work) for _ in range(max(1, min(jobs, len(queue))))]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        grader.close()
    ids = [t.grade_id for t in grader.assignment.tests]
    log(summary_table(list(data["submissions"].values()), ids))
    log(f"[d2lmini] {grader.sandbox.describe(grader.limits.memory_mb)}")
    log(f"[d2lmini] wrote {csv_path} and {json_path} (journal: {journal.path})")
    return data


def run_cli(args):
    """Entry point of `d2lmini grade`."""
    limits = RunLimits(timeout=args.timeout, cell_timeout=args.cell_timeout,
                       memory_mb=args.memory_mb)
    check_limits(limits.timeout, limits.cell_timeout, limits.memory_mb, args.jobs)
    grade_all(resolve_solution(args.solution), args.submissions, out=args.out,
              limits=limits, jobs=args.jobs, force=args.force, sandbox=args.sandbox)
    return 0
