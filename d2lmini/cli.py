"""The `d2lmini` command line: `d2lmini --help` lists the subcommands.

A mistake the user can fix (a `UserError`, which includes the data layer's `DataError`, a
bad argument, a missing file they named) prints one line `d2lmini: <what was wrong and what
to do>` to stderr and exits 2; Ctrl-C exits 130; anything else is a bug: one line, exit 1.
`d2lmini --debug ...` shows the traceback as well.
"""
import argparse
import errno
import importlib
import platform
import sys
import traceback

from .errors import UserError

__all__ = ["SUBCOMMAND_MODULES", "EXIT_USER", "EXIT_BUG", "EXIT_INTERRUPTED", "build_parser", "main"]

# Modules that add subcommands: each defines `register(subparsers)`.
SUBCOMMAND_MODULES = ["d2lmini.course", "d2lmini.data.cli", "d2lmini.exercises",
                      "d2lmini.grading", "d2lmini.bench"]
EXIT_USER, EXIT_BUG, EXIT_INTERRUPTED = 2, 1, 130
# OSErrors about the user's files or machine (not bugs): a path they gave, a full or read-only disk.
_ENVIRONMENT_ERRNOS = {errno.ENOENT, errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EISDIR,
                       errno.ENOTDIR, errno.EDQUOT}


class UsageError(UserError):
    """A command line that argparse cannot parse."""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line (UsageError), not usage text plus exit."""

    def error(self, message):
        raise UsageError(f"{self.prog}: {message} (see `{self.prog} --help`)")


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
    """The argument parser with every installed subcommand."""
    parser = _Parser(prog="d2lmini", description="Helpers for the d2lmini course on NLP sequence models.")
    parser.add_argument("--debug", action="store_true", help="show the full traceback of an error")
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


def _one_line(text):
    """A message on one line: a DataError's "tried:" / "how to fix:" lines become "; " parts."""
    return " ".join(str(text).replace("\n  ", "; ").split())


def _user_message(err):
    """The one-line message for an expected error, or None if `err` is a bug."""
    if isinstance(err, UserError):
        return _one_line(err)
    if isinstance(err, OSError) and (err.filename is not None or err.errno in _ENVIRONMENT_ERRNOS):
        where = "" if err.filename is None else f": {err.filename}"
        where += f" -> {err.filename2}" if err.filename2 else ""
        return _one_line(f"{err.strerror or err}{where}")
    return None


def main(argv=None):
    """Run the command line; returns the exit status (0 ok, 2 user error, 1 bug, 130 Ctrl-C)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    debug = "--debug" in argv                  # accepted anywhere on the line
    argv = [a for a in argv if a != "--debug"]
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if not getattr(args, "func", None):
            parser.print_help()
            return 0
        return args.func(args) or 0
    except KeyboardInterrupt:
        if debug:
            traceback.print_exc()
        print("d2lmini: interrupted (Ctrl-C); nothing half-written was kept", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as err:
        if debug:
            traceback.print_exc()
        message = _user_message(err)
        if message is not None:
            print(f"d2lmini: {message}", file=sys.stderr)
            return EXIT_USER
        print(f"d2lmini: unexpected error: {type(err).__name__}: {_one_line(err)[:500]} "
              f"(this is a bug; run with --debug for the traceback)", file=sys.stderr)
        return EXIT_BUG


if __name__ == "__main__":
    sys.exit(main())
