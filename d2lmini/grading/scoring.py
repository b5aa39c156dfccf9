"""Turn what came back from a run into a score and a short reason per test cell.
Everything here runs in the grader's process."""
import dataclasses

from .checks import compare, decode
from .spec import payload
from .runner import run_code

__all__ = ["GradingError", "TestResult", "reason_for_error", "results_for_all", "run_reference",
           "score_run"]


class GradingError(RuntimeError):
    """The grader cannot grade at all (for example the solution fails its own tests)."""


@dataclasses.dataclass
class TestResult:
    """The outcome of one graded cell for one submission."""
    grade_id: str
    score: float | None     # None for manually graded answers
    points: float
    reason: str


def reason_for_error(info):
    """A short reason from an exception described by the student's process."""
    if not isinstance(info, dict):
        return "error"
    kind = info.get("type", "Exception")
    if kind in ("CellTimeout", "KeyboardInterrupt"):
        return "timeout (interrupted: ran over the per-cell limit)"
    if kind == "NameError" and info.get("name"):
        return f"missing function `{info['name']}`"
    msg = " ".join(str(info.get("msg", "")).split())
    if kind == "NotImplementedError":
        return "NotImplementedError (not implemented yet)"
    return f"{kind}: {msg[:120]}" if msg else kind


def results_for_all(assignment, reason):
    """The same `reason` (score 0) for every auto-graded cell; manual cells stay manual."""
    return [TestResult(t.grade_id, None if t.manual else 0, t.points,
                       "manual" if t.manual else reason) for t in assignment.tests]


def _died(run):
    if run.timed_out:
        return "timeout (submission ran over its time limit)"
    if run.cell_killed:
        return "timeout (a cell ran over the per-cell limit and ignored the interrupt)"
    if run.results_overflow:
        return "results too large"
    code = run.returncode
    if code is not None and code < 0:
        return f"kernel died (signal {-code})"
    return f"kernel died (exit code {code})"


def run_reference(assignment, cells, filename, nb_bytes, limits, sandbox=None):
    """Run the solution (trusted) and return {grade_id: {check name: expected value}},
    after making sure the solution passes every one of its own checks."""
    run = run_code(cells, filename, nb_bytes, payload(assignment, trusted=True), limits, sandbox)
    bad_cells = [m for m in run.messages if m.get("type") == "cell" and m.get("error")]
    if bad_cells:
        m = bad_cells[0]
        raise GradingError(f"the solution's code cell #{m['index']} raised "
                           f"{reason_for_error(m['error'])}\n{run.output[-2000:]}")
    values = {}
    for m in run.messages:
        if m.get("type") == "error":
            raise GradingError(f"the solution fails its test {m['grade_id']}: "
                               f"{reason_for_error(m['error'])}")
        if m.get("type") == "probe":
            if "error" in m:
                raise GradingError(f"solution test {m['grade_id']} check {m['name']!r}: "
                                   f"{reason_for_error(m['error'])}")
            values.setdefault(m["grade_id"], {}).setdefault(m["name"], {})[m["kind"]] = \
                decode(m["value"])
    if not any(m.get("type") == "done" for m in run.messages):
        raise GradingError(f"the solution run did not finish: {_died(run)}\n{run.output[-2000:]}")
    reference = {}
    for test in assignment.tests:
        if test.manual:
            continue
        for chk in test.checks:
            got = values.get(test.grade_id, {}).get(chk.name, {})
            if "probe" not in got or "expected" not in got:
                raise GradingError(f"solution test {test.grade_id}: check {chk.name!r} "
                                   "produced no value")
            why = compare(got["probe"], got["expected"], chk.rtol, chk.atol)
            if why:
                raise GradingError(f"the solution fails its own check {chk.name!r} in "
                                   f"{test.grade_id}: {why}")
            reference.setdefault(test.grade_id, {})[chk.name] = got["expected"]
    return reference


def score_run(assignment, reference, run):
    """Score every graded cell of one student run against the reference values."""
    by_cell = {}
    for m in run.messages:
        if m.get("type") in ("start", "probe", "error") and isinstance(m.get("grade_id"), str):
            by_cell.setdefault(m["grade_id"], []).append(m)
    finished = any(m.get("type") == "done" for m in run.messages)
    results = []
    for test in assignment.tests:
        if test.manual:
            results.append(TestResult(test.grade_id, None, test.points, "manual"))
            continue
        msgs = by_cell.get(test.grade_id, [])
        probes = {}
        error = None
        for m in msgs:
            if m["type"] == "probe" and m.get("kind") == "probe":
                probes.setdefault(m.get("name"), m)
            elif m["type"] == "error" and error is None:
                error = m.get("error")
        reason = None
        for chk in test.checks:
            m = probes.get(chk.name)
            if m is None:
                if error is not None:
                    reason = reason_for_error(error)
                elif not finished:
                    reason = _died(run)
                else:
                    reason = "no result"
                break
            if "error" in m:
                reason = reason_for_error(m["error"])
                break
            try:
                why = compare(decode(m["value"]), reference[test.grade_id][chk.name],
                              chk.rtol, chk.atol)
            except Exception as exc:    # malformed data from the student's process
                why = f"unreadable result ({type(exc).__name__})"
            if why:
                reason = f"failed check {chk.name!r}: {chk.hint} ({why})" if chk.hint \
                    else f"failed check {chk.name!r} ({why})"
                break
        if reason is None and error is not None:
            reason = reason_for_error(error)
        results.append(TestResult(test.grade_id, 0 if reason else test.points, test.points,
                                  reason or "passed"))
    return results
