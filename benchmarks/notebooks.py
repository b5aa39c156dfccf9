"""Benchmark 4: every course notebook executed headless, as `d2lmini course run` does.

Quick mode (D2LMINI_QUICK=1, the CI setting) always; full mode (what a student runs) only
with `--full`, since it takes up to 15 min per chapter. Each notebook runs in a fresh
kernel via `d2lmini.course.run_notebook`; the time includes the kernel's start and imports.
The budgets come from the course's rules: quick ≤ 90 s per chapter and ≤ 10 min in all
on 2 cores; full ≤ 15 min per chapter on a laptop CPU.
"""
import pathlib
import tempfile

from benchmarks import row

QUICK_BUDGET_S, COURSE_BUDGET_S, FULL_BUDGET_S = 90.0, 600.0, 900.0

# Full-mode wall times measured by the chapter authors, for the table when --full is not
# given: notebook file name -> (seconds, how it was measured). Filled in by hand from
# `d2lmini course run` (chapter 2 after its longer full-mode training).
HOW = "`d2lmini course run` (full mode) on this 2-core CPU machine, otherwise idle, 2026-11-21"
REPORTED_FULL_SECONDS = {
    "01_text_and_vocab.ipynb": (8.4, HOW),
    "02_rnn_from_scratch.ipynb": (389.7, HOW),
    "03_gradients.ipynb": (74.6, HOW),
    "04_ner_rnn_gru_lstm.ipynb": (128.6, HOW),
    "05_embeddings_vs_onehot.ipynb": (167.1, HOW),
    "06_word2vec.ipynb": (37.0, HOW),
    "07_sentiment_bigru.ipynb": (144.1, HOW),
    "08_static_vs_contextual.ipynb": (29.0, HOW),
}


def _time_all(paths, quick, out_dir):
    """Seconds per notebook (None and the error when it failed)."""
    from d2lmini.course import run_notebook
    results = {}
    for path in paths:
        print(f"  {path.name} ({'quick' if quick else 'full'}) ...", flush=True)
        try:
            results[path.name] = {"seconds": round(run_notebook(path, out_dir, quick=quick), 1)}
        except Exception as exc:    # a failing chapter is reported, the others still run
            first = (str(exc).strip().splitlines() or [""])[-1][:200]
            results[path.name] = {"seconds": None, "error": f"{type(exc).__name__}: {first}"}
        print(f"    {results[path.name]}", flush=True)
    return results


def _rows(results, budget, mode, total_budget=None):
    rows = []
    for name, r in results.items():
        s = r["seconds"]
        note = r.get("error") or r.get("note", "")
        rows.append(row(f"notebook {name} ({mode} mode)", s, budget, "s",
                        None if s is None else s / budget,
                        f"seconds ÷ budget of {budget:.0f} s (≤ 1 meets it)", note))
    if total_budget:
        done = [r["seconds"] for r in results.values() if r["seconds"] is not None]
        failed = len(results) - len(done)
        total = sum(done)
        rows.append(row(f"all {len(results)} notebooks ({mode} mode)", round(total, 1),
                        total_budget, "s", total / total_budget if done else None,
                        f"seconds ÷ {total_budget / 60:.0f}-minute budget (≤ 1 meets it)",
                        f"{failed} failed (not counted)" if failed else ""))
    return rows


def run(quick=False, device=None, full=False, paths=None):
    """Execute the notebooks (default: every chapter in course/); return rows + details.

    `quick` only shortens this benchmark's own smoke run to the first chapter;
    the notebooks always run in their quick mode, and also in full mode with `full=True`.
    """
    from d2lmini.course import chapters
    paths = [pathlib.Path(p) for p in paths] if paths else chapters()
    if not paths:
        raise RuntimeError("no course notebooks found: run from a source checkout")
    if quick and len(paths) > 1:
        paths = paths[:1]
    with tempfile.TemporaryDirectory(prefix="d2lmini-bench-") as tmp:
        quick_results = _time_all(paths, True, pathlib.Path(tmp))
        rows = _rows(quick_results, QUICK_BUDGET_S, "quick", COURSE_BUDGET_S)
        details = {"quick": quick_results}
        if full:
            full_results = _time_all(paths, False, pathlib.Path(tmp))
            rows += _rows(full_results, FULL_BUDGET_S, "full")
            details["full"] = full_results
        elif REPORTED_FULL_SECONDS and not quick:  # a smoke run reports only what it ran
            reported = {name: {"seconds": s, "note": f"measured outside the benchmark run: {how}"}
                        for name, (s, how) in REPORTED_FULL_SECONDS.items()}
            rows += _rows(reported, FULL_BUDGET_S, "full")
            details["full_reported"] = reported
    return {"rows": rows, "details": details}
