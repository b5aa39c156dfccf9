"""The program that runs ONE submission, in its own process (POSIX only).

Started by runner.py as `python .../d2lmini/grading/child.py RESULT_FD MEM_MB UID NPROC`
in the submission's temporary folder (inside the sandbox when there is one). It drops to
`UID` (when >= 0), sets its limits, makes `d2lmini` a package holding only
`d2lmini.grading` (course policy: the library's own implementations of the exercises are
not available to a submission), imports torch, numpy and IPython, and then waits: a warm
worker is started before its submission is known. Protocol:
  stdin line 1: JSON list of the submission's code cells -> run them all (errors allowed)
  result fd:    {"type": "cell_start", "index": i} before and {"type": "cell", ...} after
                each cell; {"type": "ready"} once the student's cells are done
  stdin line 2: the test payload (sent by the grader only after "ready")
  result fd:    {"type": "start"} per test cell, one JSON line per probe/error, then
                {"type": "done"}
Time limits are kept by the grader from outside: it sends SIGINT when a cell runs over its
limit and kills the whole submission when the interrupt does not end the cell. Nothing
here compares results: values are encoded and sent out as plain JSON.
"""
import builtins
import os
import signal
import sys

__all__ = ["main", "hide_library"]

_exec, _eval, _compile = builtins.exec, builtins.eval, builtins.compile   # before student code
GRADING_DIR = os.path.dirname(os.path.abspath(__file__))


class _Hidden:
    """A meta path finder refusing every d2lmini module except d2lmini.grading."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        if name.startswith("d2lmini.") and not (name == "d2lmini.grading"
                                                or name.startswith("d2lmini.grading.")):
            raise ModuleNotFoundError(f"No module named {name!r} (submissions may use only "
                                      "d2lmini.grading)", name=name)
        return None


def hide_library():
    """Make `d2lmini` a package that holds only `d2lmini.grading` (loaded from this folder)."""
    import importlib.util
    import types
    for name in [n for n in sys.modules if n == "d2lmini" or n.startswith("d2lmini.")]:
        del sys.modules[name]
    stub = types.ModuleType("d2lmini", "d2lmini as a graded submission sees it: only "
                                        "d2lmini.grading (the check helper) is available.")
    stub.__path__ = []
    sys.modules["d2lmini"] = stub
    sys.meta_path.insert(0, _Hidden)
    spec = importlib.util.spec_from_file_location(
        "d2lmini.grading", os.path.join(GRADING_DIR, "__init__.py"),
        submodule_search_locations=[GRADING_DIR])
    grading = importlib.util.module_from_spec(spec)
    sys.modules["d2lmini.grading"] = grading
    spec.loader.exec_module(grading)
    stub.grading = grading
    return grading


def _describe(err):
    if err is None:
        return None
    try:
        info = {"type": type(err).__name__, "msg": str(err)[:300]}
    except BaseException:           # a __str__ that raises
        info = {"type": type(err).__name__, "msg": ""}
    if isinstance(err, NameError) and getattr(err, "name", None):
        info["name"] = err.name
    return info


def _short_traceback(*args, **kwargs):
    """IPython's showtraceback, bounded: one line (a 100 000-frame traceback costs nothing)."""
    etype, value = sys.exc_info()[:2]
    if args and isinstance(args[0], tuple):
        etype, value = args[0][:2]
    info = _describe(value) or {"type": getattr(etype, "__name__", "Error"), "msg": ""}
    print(f"{info['type']}: {info['msg']}", file=sys.stderr)


def _set_limits(mem_mb, nproc):
    import resource
    if mem_mb > 0:
        limit = mem_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    if nproc > 0:
        resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))


def _interruptible(flag):
    signal.signal(signal.SIGINT, signal.default_int_handler if flag else signal.SIG_IGN)


def main():
    result_fd, mem_mb, uid, nproc = (int(a) for a in sys.argv[1:5])
    if uid >= 0:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
    if sys.path and os.path.abspath(sys.path[0] or ".") == GRADING_DIR:
        sys.path.pop(0)            # the script's folder: not a place to import from
    _set_limits(mem_mb, nproc)
    _interruptible(False)
    import json
    encode = hide_library().checks.encode
    import numpy  # noqa: F401  (warm: imported once, before the submission arrives)
    import torch  # noqa: F401
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config
    config = Config()
    config.HistoryManager.enabled = False
    shell = InteractiveShell.instance(config=config)
    shell.InteractiveTB.set_mode(mode="Minimal")   # %xmode Minimal, silently
    shell.showtraceback = _short_traceback
    sys.tracebacklimit = 20
    out = os.fdopen(result_fd, "w", encoding="utf-8")

    def send(msg):
        out.write(json.dumps(msg) + "\n")
        out.flush()

    cells = json.loads(sys.stdin.readline())
    for i, source in enumerate(cells):
        err = None
        try:
            send({"type": "cell_start", "index": i})
            _interruptible(True)
            result = shell.run_cell(source, store_history=False)
            err = result.error_before_exec or result.error_in_exec
        except BaseException as exc:      # the interrupt may land outside IPython's handler
            err = exc
        finally:
            _interruptible(False)
        send({"type": "cell", "index": i, "error": _describe(err)})
    sys.stdout.flush()
    send({"type": "ready"})
    tests = json.loads(sys.stdin.readline())
    namespace = shell.user_ns
    for cell in tests["cells"]:
        gid = cell["grade_id"]
        send({"type": "start", "grade_id": gid})
        try:
            _interruptible(True)
            for step in cell["steps"]:
                if step["kind"] == "exec":
                    _exec(_compile(step["code"], f"<test {gid}>", "exec"), namespace)
                    continue
                value = _eval(_compile(step["expr"], f"<test {gid}>", "eval"), namespace)
                try:
                    encoded = encode(value)
                except Exception as exc:
                    send({"type": "probe", "grade_id": gid, "kind": step["kind"],
                          "name": step["name"], "error": _describe(exc)})
                    break
                send({"type": "probe", "grade_id": gid, "kind": step["kind"],
                      "name": step["name"], "value": encoded})
        except BaseException as exc:
            _interruptible(False)
            send({"type": "error", "grade_id": gid, "error": _describe(exc)})
        finally:
            _interruptible(False)
    send({"type": "done"})
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)   # skip atexit hooks and threads the student may have left behind


if __name__ == "__main__":
    main()
