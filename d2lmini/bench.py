"""`d2lmini bench`: run the course's benchmarks, which live in the checkout, not the package.

The benchmarks (`benchmarks/` beside `course/`) compare the course's code with reference
implementations; they ship with the repository only. This command finds the checkout
(`d2lmini.paths`), checks its options, and runs `python -m benchmarks` there in a child
process: the installed package never imports anything from outside itself.
"""
import os
import pathlib
import subprocess
import sys

from .errors import UserError
from .paths import course_root

__all__ = ["benchmarks_command", "check_device", "register"]

HINT = "benchmarks run from a checkout of the course: python -m benchmarks"


def check_device(name):
    """A UserError unless `name` is a torch device that exists here (cpu, cuda[:N], mps)."""
    import torch
    try:
        device = torch.device(name)
    except (RuntimeError, ValueError):
        raise UserError(f"--device {name!r} is not a device torch knows: use cpu, cuda, "
                        "cuda:N or mps") from None
    if device.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if count == 0:
            raise UserError(f"--device {name}: this machine has no CUDA GPU; use cpu")
        if device.index is not None and device.index >= count:
            raise UserError(f"--device {name}: only cuda:0..cuda:{count - 1} exist here")
    elif device.type == "mps" and not torch.backends.mps.is_available():
        raise UserError(f"--device {name}: Apple's mps is not available here; use cpu")
    elif device.type not in ("cpu", "cuda", "mps"):
        raise UserError(f"--device {name}: the benchmarks run on cpu, cuda or mps")
    return str(device)


def benchmarks_command(args):
    """The `python -m benchmarks ...` argument list for parsed `d2lmini bench` options."""
    cmd = [sys.executable, "-m", "benchmarks"]
    if args.only:
        cmd += ["--only", *args.only]
    if args.quick:
        cmd.append("--quick")
    if args.full:
        cmd.append("--full")
    if args.out:
        cmd += ["--out", str(pathlib.Path(args.out).resolve())]  # the child runs elsewhere
    if args.device:
        cmd += ["--device", check_device(args.device)]
    for flag, value in (("--threads", args.threads), ("--sgns-epochs", args.sgns_epochs),
                        ("--sgns-repeats", args.sgns_repeats)):
        if value is not None:
            if value < 1:
                raise UserError(f"{flag} {value}: give a whole number of at least 1")
            cmd += [flag, str(value)]
    return cmd


def _run(args):
    try:
        root = course_root(args.course_dir)
    except UserError as err:
        raise UserError(f"{HINT} ({err})") from None
    if not (root / "benchmarks" / "__init__.py").is_file():
        raise UserError(f"{HINT}; {root} has no benchmarks/ folder")
    cmd = benchmarks_command(args)
    print(f"[d2lmini] in {root}: python -m benchmarks {' '.join(cmd[3:])}", flush=True)
    env = dict(os.environ, PYTHONSAFEPATH="")   # -m needs the checkout on sys.path
    return subprocess.call(cmd, cwd=root, env=env)


def register(subparsers):
    """Add `d2lmini bench` (the options of `python -m benchmarks`) to the command line."""
    p = subparsers.add_parser(
        "bench", help="benchmarks: our code vs the references (runs python -m benchmarks)",
        description="Run the benchmarks of benchmarks/README.md from the course checkout; "
                    "every figure is a ratio of two things timed in the same process.")
    p.add_argument("--only", nargs="+", metavar="NAME",
                   help="run only these benchmarks (see benchmarks/README.md)")
    p.add_argument("--quick", action="store_true", help="tiny sizes for a smoke run")
    p.add_argument("--out", default=None,
                   help="folder for results.json and results.md (default: benchmarks/results)")
    p.add_argument("--device", default=None, help="cpu, cuda, cuda:N or mps (default: the best)")
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads (≥ 1)")
    p.add_argument("--full", action="store_true", help="also run every notebook in full mode")
    p.add_argument("--sgns-epochs", type=int, default=None, help="SGNS epochs (≥ 1)")
    p.add_argument("--sgns-repeats", type=int, default=None,
                   help="interleaved runs of each SGNS trainer (≥ 1)")
    p.add_argument("--course-dir", default=None, metavar="DIR",
                   help="the course checkout (default: the working directory or a parent)")
    p.set_defaults(func=_run)
