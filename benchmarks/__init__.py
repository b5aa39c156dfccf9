"""Benchmarks: how fast the course's own code is against the references, side by side.

Run all of them (results go to benchmarks/results/results.json and results.md):

    python -m benchmarks                       # or: d2lmini bench
    python -m benchmarks --only rnn tagger_onehot --quick

Every figure is a ratio of two things measured in the same process, with repetitions
interleaved (A, B, A, B, ...) and medians taken, so that a machine that gets busier or
quieter during the run slows both sides alike. Benchmarks never fail on speed: they
measure and report. See benchmarks/README.md for what each figure means.
"""
import argparse
import importlib
import os
import pathlib
import platform
import statistics
import sys
import time

RESULTS_DIR = pathlib.Path(__file__).resolve().parent / "results"

# name -> (module, one-line description); each module has run(quick=..., device=...) -> dict
BENCHMARKS = {
    "rnn": ("benchmarks.rnn", "RNNScratch training step vs nn.RNN + nn.Linear (tokens/s)"),
    "sgns": ("benchmarks.sgns", "our skip-gram with negative sampling vs gensim Word2Vec"),
    "tagger_onehot": ("benchmarks.tagger_onehot", "BiGRU tagger: one-hot vs embedding input"),
    "notebooks": ("benchmarks.notebooks", "every course notebook executed headless"),
    "grader": ("benchmarks.grader", "grader throughput: submissions per minute"),
}


# --------------------------------------------------------------------------- timing
def synchronizer(device):
    """A function that waits for the device's queued work (a no-op on the CPU)."""
    import torch
    device = torch.device(device)
    if device.type == "cuda":
        return lambda: torch.cuda.synchronize(device)
    if device.type == "mps":
        return torch.mps.synchronize
    return lambda: None


def time_call(fn, sync=lambda: None):
    """Run `fn()` once; return (wall seconds, CPU seconds of this process)."""
    sync()
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    sync()
    return time.perf_counter() - wall, time.process_time() - cpu


def interleaved(candidates, repeats, warmup=1, sync=lambda: None):
    """Time each function of `candidates` (name -> fn) `repeats` times, in turn
    (a, b, a, b, ...) after `warmup` untimed calls each.

    Returns name -> {"wall": [seconds...], "cpu": [seconds...]}.
    """
    for fn in candidates.values():
        for _ in range(warmup):
            fn()
    times = {name: {"wall": [], "cpu": []} for name in candidates}
    for _ in range(repeats):
        for name, fn in candidates.items():
            wall, cpu = time_call(fn, sync)
            times[name]["wall"].append(wall)
            times[name]["cpu"].append(cpu)
    return times


def median(values):
    """The median of a non-empty list of numbers."""
    return statistics.median(values)


def row(benchmark, ours, reference, unit, ratio, ratio_means, notes=""):
    """One line of the results table (`ratio` is rounded to 3 decimals)."""
    return {"benchmark": benchmark, "ours": ours, "reference": reference, "unit": unit,
            "ratio": None if ratio is None else round(ratio, 3), "ratio_means": ratio_means,
            "notes": notes}


# --------------------------------------------------------------------------- machine
def machine_info(device, threads):
    """What the numbers were measured on, including how busy the machine was."""
    import torch
    cores = os.cpu_count() or 1
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    info = {"python": platform.python_version(), "torch": torch.__version__,
            "platform": f"{platform.system()} {platform.machine()}", "cpu_cores": cores,
            "torch_threads": threads, "device": str(device),
            "load_average_1min_at_start": None if load is None else round(load, 2)}
    if torch.device(device).type == "cuda":
        info["gpu"] = torch.cuda.get_device_name(torch.device(device))
    return info


def shared_note(start_load, end_load, cores):
    """A sentence saying the machine was shared, when the load average shows it."""
    loads = [x for x in (start_load, end_load) if x is not None]
    if loads and max(loads) > 0.75 * cores:
        return (f"machine shared with other jobs: 1-min load average {min(loads):.1f}–"
                f"{max(loads):.1f} on {cores} cores (ratios are interleaved medians, "
                "absolute speeds are lower than on an idle machine)")
    return ""


# --------------------------------------------------------------------------- runner
def run_one(name, quick, device, full_notebooks=False, sgns_kwargs=None):
    """Run one benchmark by name; returns its dict (rows + details), or an error dict."""
    module_name, description = BENCHMARKS[name]
    start = time.perf_counter()
    try:
        module = importlib.import_module(module_name)
        if name == "sgns":
            result = _sgns(module, quick, device, sgns_kwargs)
        elif name == "notebooks":
            result = module.run(quick=quick, device=device, full=full_notebooks)
        else:
            result = module.run(quick=quick, device=device)
    except Exception as exc:   # one broken benchmark must not lose the others' results
        msg = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
        print(f"[benchmarks] {name} failed: {msg}", file=sys.stderr, flush=True)
        result = {"rows": [row(description, None, None, "", None, "", f"FAILED — {msg}")],
                  "details": {"error": msg}}
    result["name"], result["description"] = name, description
    result["seconds"] = round(time.perf_counter() - start, 1)
    result["device"] = str(device)
    result["measured_at"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    return result


SGNS_TIMEOUT_S = {"quick": 300, "full": 1800}


def _sgns(module, quick, device, sgns_kwargs=None):
    """Run `benchmarks.sgns.run` (written with chapter 6) in a child process with a time
    limit, and turn its dict into the table's rows. `sgns_kwargs` (e.g. epochs, repeats)
    override run()'s defaults."""
    import json
    import subprocess
    kwargs = dict(device=str(device))
    if quick:
        kwargs.update(repeats=1, epochs=1, max_sentences=300, with_analogies=False)
    kwargs.update(sgns_kwargs or {})
    code = ("import json, benchmarks.sgns as s; "
            f"print('@@RESULT ' + json.dumps(s.run(**{kwargs!r})))")
    limit = SGNS_TIMEOUT_S["quick" if quick else "full"]
    try:
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              timeout=limit, cwd=pathlib.Path(__file__).resolve().parent.parent)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"benchmarks.sgns.run(**{kwargs}) did not finish in {limit} s") from None
    lines = proc.stdout.splitlines()
    for line in lines:
        if not line.startswith("@@RESULT "):
            print("  " + line, flush=True)     # the loaders' provenance lines
    results = [line[len("@@RESULT "):] for line in lines if line.startswith("@@RESULT ")]
    if proc.returncode or not results:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"benchmarks.sgns failed: {last}")
    res = json.loads(results[-1])
    setting = (f"{res['words']:,} words × {res['epochs']} epochs, median of {res['repeats']} "
               f"interleaved seeds; quality by gensim's own evaluators")
    meds = res["medians"]
    reference = "gensim (2 workers)" if "gensim (2 workers)" in meds else None

    def fmt(x, digits=3):
        return "n/a" if x is None else f"{x:.{digits}f}"

    def quality(m):
        an = m.get("analogy_accuracy")
        return (f"WordSim353 ρ {fmt(m['wordsim353'])}, SimLex-999 ρ {fmt(m['simlex999'])}"
                + ("" if an is None else f", analogies {an:.4f}"))

    rows = []
    for name, m in meds.items():
        if name == reference:
            continue
        ref = meds.get(reference) if reference else None
        verdict = {True: "; at gensim's quality", False: "; below gensim's quality"}.get(
            m.get("equal_quality"), "")
        rows.append(row(f"SGNS {name} vs {reference or 'nothing'}", m["words_per_s"],
                        ref and ref["words_per_s"], "words/s",
                        ref and m["words_per_s"] / ref["words_per_s"],
                        "words/s ÷ gensim 2 workers' (> 1: faster)",
                        f"{quality(m)}{verdict} (gensim 2 workers: {quality(ref) if ref else 'n/a'}); "
                        + setting))
    return {"rows": rows, "details": res}


def run(names=None, quick=False, out=RESULTS_DIR, device=None, threads=None,
        full_notebooks=False, command=None, sgns_kwargs=None):
    """Run the named benchmarks (default: all), write results.json and results.md into
    `out` (keeping earlier results of benchmarks not run now) and return the results."""
    import torch

    from d2lmini.utils import try_device

    from .report import load_results, write_results
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    names = list(names or BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        raise SystemExit(f"unknown benchmark(s) {unknown}: choose from {list(BENCHMARKS)}")
    if threads:
        torch.set_num_threads(threads)
    device = torch.device(device) if device else try_device()
    if command is None:
        command = " ".join(["python -m benchmarks"]
                           + (["--only", *names] if len(names) < len(BENCHMARKS) else [])
                           + (["--quick"] if quick else [])
                           + ([f"--threads {threads}"] if threads else [])
                           + (["--full"] if full_notebooks else [])
                           + [f"--sgns-{k} {v}" for k, v in (sgns_kwargs or {}).items()])
    previous = load_results(out) if len(names) < len(BENCHMARKS) else None
    results = {b["name"]: b for b in (previous or {}).get("benchmarks", [])
               if b.get("name") in BENCHMARKS and b["name"] not in names}
    for name in names:
        print(f"[benchmarks] {name}: {BENCHMARKS[name][1]} ...", flush=True)
        info = machine_info(device, torch.get_num_threads())
        info.update(quick=quick, command=command)
        results[name] = run_one(name, quick, device, full_notebooks, sgns_kwargs)
        for r in results[name]["rows"]:
            print(f"  {r['benchmark']}: ours {r['ours']} vs {r['reference']} {r['unit']}"
                  f" -> ratio {r['ratio']}", flush=True)
        results[name]["machine"] = info
        end_load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
        results[name]["machine"]["load_average_1min_at_end"] = end_load and round(end_load, 2)
        results[name]["shared_machine"] = shared_note(
            info["load_average_1min_at_start"], end_load, info["cpu_cores"])
        # written after every benchmark, so an interrupted run keeps what it measured
        data = {"benchmarks": [results[n] for n in BENCHMARKS if n in results]}
        paths = write_results(data, out)
    print(f"[benchmarks] wrote {paths[0]} and {paths[1]}")
    return data


def add_arguments(parser):
    """The command-line options shared by `python -m benchmarks` and `d2lmini bench`."""
    parser.add_argument("--only", nargs="+", metavar="NAME", choices=list(BENCHMARKS),
                        help=f"run only these benchmarks ({', '.join(BENCHMARKS)})")
    parser.add_argument("--quick", action="store_true",
                        help="tiny sizes for a smoke run (the numbers mean nothing)")
    parser.add_argument("--out", default=str(RESULTS_DIR),
                        help="folder for results.json and results.md (default: benchmarks/results)")
    parser.add_argument("--device", default=None,
                        help="cpu, cuda, ... (default: d2lmini.try_device())")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch CPU threads (default: torch's choice)")
    parser.add_argument("--full", action="store_true",
                        help="also run every notebook in full mode (long: up to 15 min each)")
    parser.add_argument("--sgns-epochs", type=int, default=None,
                        help="epochs for the SGNS benchmark (default: benchmarks/sgns.py's, 5)")
    parser.add_argument("--sgns-repeats", type=int, default=None,
                        help="interleaved runs of each SGNS trainer (default: sgns.py's, 7)")
    return parser


def main(argv=None):
    """Entry point of `python -m benchmarks` and `d2lmini bench`."""
    parser = add_arguments(argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.splitlines()[0]))
    args = parser.parse_args(argv)
    return from_args(args)


def from_args(args):
    """Run the benchmarks chosen by parsed command-line `args`; returns an exit status."""
    sgns = {"epochs": args.sgns_epochs, "repeats": args.sgns_repeats}
    run(args.only, quick=args.quick, out=args.out, device=args.device, threads=args.threads,
        full_notebooks=args.full, sgns_kwargs={k: v for k, v in sgns.items() if v})
    return 0
