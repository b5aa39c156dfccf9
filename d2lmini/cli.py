"""The `d2lmini` command line: `d2lmini --help` lists the subcommands."""
import argparse
import importlib
import platform
import sys

# Modules that add subcommands: each defines `register(subparsers)`.
SUBCOMMAND_MODULES = ["d2lmini.course", "d2lmini.data.cli", "d2lmini.exercises",
                      "d2lmini.grading", "d2lmini.bench"]


def _info(args):
    import torch

    from . import __version__
    from .utils import is_quick, try_device
    print(f"d2lmini {__version__}")
    print(f"python {platform.python_version()} on {platform.system()} {platform.release()}")
    print(f"torch {torch.__version__}, best device: {try_device()}")
    print(f"quick mode (D2LMINI_QUICK): {'on' if is_quick() else 'off'}")
    return 0


def build_parser():
    parser = argparse.ArgumentParser(
        prog="d2lmini", description="Helpers for the d2lmini course on NLP sequence models.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    info = sub.add_parser("info", help="versions, device and mode")
    info.set_defaults(func=_info)
    for name in SUBCOMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as err:
            if err.name != name:      # a real missing dependency: say so
                raise
            continue                  # that part of the course is not installed yet
        module.register(sub)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    return args.func(args) or 0


if __name__ == "__main__":
    sys.exit(main())
