"""Benchmark 5: grader throughput, submissions per minute for one chapter.

`n` copies of a chapter's solution notebook are graded with `d2lmini.grading.grade_all`
(what `d2lmini grade` runs) with 1 and then 2 parallel jobs, alternating, each time into a
fresh output folder. Every grading run starts with one reference run of the solution
notebook, so we time a reference run alone (the same `Grader.reference`) and subtract it:
submissions per minute = n × 60 / (seconds of grade_all − seconds of a reference run).
Each copy must score full marks, or the benchmark says so in its notes.
"""
import pathlib
import shutil
import tempfile
import time

from benchmarks import median, row

FULL = dict(chapter="02", copies=6, repeats=2)
QUICK = dict(chapter="02", copies=2, repeats=1)


def run(quick=False, device=None, **overrides):
    """Grade copies of a solution with 1 and 2 jobs; return rows + details."""
    from d2lmini.grading.grade import Grader, grade_all, resolve_solution
    from d2lmini.grading.runner import RunLimits
    cfg = {**(QUICK if quick else FULL), **overrides}
    solution = resolve_solution(cfg["chapter"])
    limits = RunLimits()
    timings = {"reference": [], 1: [], 2: []}
    scores = []
    with tempfile.TemporaryDirectory(prefix="d2lmini-bench-grade-") as tmp:
        tmp = pathlib.Path(tmp)
        subs = tmp / "submissions"
        subs.mkdir()
        for i in range(cfg["copies"]):
            shutil.copy(solution, subs / f"student{i:02d}.ipynb")
        for rep in range(cfg["repeats"]):
            start = time.perf_counter()
            Grader(solution, limits).reference()
            timings["reference"].append(time.perf_counter() - start)
            for jobs in (1, 2):
                out = tmp / f"grades_{rep}_{jobs}" / "grades.csv"
                out.parent.mkdir()
                start = time.perf_counter()
                data = grade_all(solution, [subs], out=out, limits=limits, jobs=jobs,
                                 log=lambda *a, **k: None)
                timings[jobs].append(time.perf_counter() - start)
                scores += [(e["score"], e["max_score"]) for e in data["submissions"].values()]
    ref = median(timings["reference"])
    per_min = {j: cfg["copies"] * 60 / max(median(timings[j]) - ref, 1e-9) for j in (1, 2)}
    wrong = sum(1 for s, m in scores if s != m)
    check = (f"{wrong} of {len(scores)} gradings missed full marks!" if wrong
             else f"all {len(scores)} gradings gave full marks")
    rows = [row(f"grader throughput, chapter {solution.stem}: 2 jobs vs 1 job",
                round(per_min[2], 1), round(per_min[1], 1), "submissions/min",
                per_min[2] / per_min[1], "2-job ÷ 1-job submissions per minute",
                f"{cfg['copies']} copies of the solution, median of {cfg['repeats']}; "
                f"one reference run ({ref:.1f} s) subtracted; {check}")]
    details = {"config": cfg, "solution": solution.name,
               "reference_seconds": [round(x, 2) for x in timings["reference"]],
               "grade_all_seconds": {f"jobs_{j}": [round(x, 2) for x in timings[j]]
                                     for j in (1, 2)},
               "submissions_per_minute": {f"jobs_{j}": round(per_min[j], 2) for j in (1, 2)},
               "scores": scores}
    return {"rows": rows, "details": details}
