"""The program that runs ONE submission, in its own process (POSIX only).

Started by runner.py as `python -m d2lmini.grading.child RESULT_FD CELL_TIMEOUT MEM_MB`
in a temporary working directory. Protocol:
  stdin line 1: JSON list of the submission's code cells -> run them all (errors allowed)
  result fd:    {"type": "ready"} once the student's cells are done
  stdin line 2: the test payload (sent by the grader only after "ready")
  result fd:    one JSON line per probe/error, then {"type": "done"}
Nothing here compares results: values are encoded and sent out as plain JSON.
"""
import builtins
import json
import os
import signal
import sys

_exec, _eval, _compile = builtins.exec, builtins.eval, builtins.compile   # before student code


class CellTimeout(BaseException):
    """Raised in the main thread when a cell runs over its time limit."""


def _on_alarm(signum, frame):
    raise CellTimeout("cell ran over its time limit")


def _describe(err):
    if err is None:
        return None
    info = {"type": type(err).__name__, "msg": str(err)[:300]}
    if isinstance(err, NameError) and getattr(err, "name", None):
        info["name"] = err.name
    return info


def _arm(seconds):
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)


def _disarm():
    signal.setitimer(signal.ITIMER_REAL, 0)


def main():
    result_fd, cell_timeout, mem_mb = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
    if mem_mb > 0:
        import resource
        limit = mem_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    out = os.fdopen(result_fd, "w", encoding="utf-8")

    def send(msg):
        out.write(json.dumps(msg) + "\n")
        out.flush()

    cells = json.loads(sys.stdin.readline())
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    from d2lmini.grading.checks import encode
    config = Config()
    config.HistoryManager.enabled = False
    shell = InteractiveShell.instance(config=config)
    for i, source in enumerate(cells):
        err = None
        try:
            _arm(cell_timeout)
            result = shell.run_cell(source, store_history=False)
            err = result.error_before_exec or result.error_in_exec
        except BaseException as exc:      # the alarm may land outside IPython's own handler
            err = exc
        finally:
            _disarm()
        send({"type": "cell", "index": i, "error": _describe(err)})
    sys.stdout.flush()
    send({"type": "ready"})
    tests = json.loads(sys.stdin.readline())
    namespace = shell.user_ns
    for cell in tests["cells"]:
        gid = cell["grade_id"]
        send({"type": "start", "grade_id": gid})
        try:
            _arm(cell_timeout)
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
            _disarm()
            send({"type": "error", "grade_id": gid, "error": _describe(exc)})
        finally:
            _disarm()
    send({"type": "done"})
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)   # skip atexit hooks and threads the student may have left behind


if __name__ == "__main__":
    main()
