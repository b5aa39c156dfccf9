"""`d2lmini bench`: the course's benchmarks (the same entry point as `python -m benchmarks`)."""
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def load_benchmarks():
    """Import the `benchmarks` package of the source checkout this library lives in,
    or None when the library was installed without one."""
    if not (ROOT / "benchmarks" / "__init__.py").is_file():
        return None
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import benchmarks
    return benchmarks


def _missing(args):
    print("d2lmini bench: the benchmarks/ folder ships with the source checkout only; "
          "clone the course repository and run `d2lmini bench` there", file=sys.stderr)
    return 2


def register(subparsers):
    """Add `d2lmini bench` to the command line (options as in `python -m benchmarks`)."""
    p = subparsers.add_parser(
        "bench", help="benchmarks: our code vs the references (writes benchmarks/results/)",
        description="Run the benchmarks of benchmarks/README.md; every figure is a ratio "
                    "of two things timed in the same process, repetitions interleaved.")
    benchmarks = load_benchmarks()
    if benchmarks is None:
        p.set_defaults(func=_missing)
        return
    benchmarks.add_arguments(p)
    p.set_defaults(func=benchmarks.from_args)
