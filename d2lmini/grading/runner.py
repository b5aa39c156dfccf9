"""Run one notebook's code in a fresh Python process (a `Worker`, sandboxed when a sandbox
is available), feed it the test payload after its own cells have run, and collect what it
sends back, with caps on output and limits on time kept from outside the process."""
import dataclasses
import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

from .sandbox import GRADING_DIR, TASKS_MAX, Sandbox

__all__ = ["OUTPUT_CAP", "RESULTS_CAP", "TEMP_PREFIX", "RunLimits", "RunResult", "Worker",
           "descendants", "run_code"]

OUTPUT_CAP = 1_000_000        # bytes of stdout/stderr kept per submission
RESULTS_CAP = 32_000_000      # bytes of results accepted per submission
TEMP_PREFIX = "d2lmini-grade-"   # + grader pid: stale folders of a killed grader are found
KILL_GRACE = 3.0              # seconds an interrupted cell gets before the kill
# Environment variables passed to the student's process; everything else is dropped.
ENV_KEEP = ("PATH", "HOME", "LANG", "LC_ALL", "USER", "LOGNAME", "SYSTEMROOT")


@dataclasses.dataclass
class RunLimits:
    """Time, output and memory limits for one submission."""
    timeout: float = 120.0       # wall-clock seconds for the whole submission
    cell_timeout: float = 30.0   # seconds per cell (student cell or test cell)
    memory_mb: int = 4096        # address-space limit of each process (0: none)
    output_cap: int = OUTPUT_CAP


@dataclasses.dataclass
class RunResult:
    """What came back from one run."""
    messages: list               # decoded JSON messages from the result channel
    output: str                  # the first output_cap bytes of stdout+stderr
    output_bytes: int            # all bytes printed (kept or not)
    returncode: int | None
    timed_out: bool
    seconds: float
    results_overflow: bool = False
    cell_killed: bool = False    # a cell ignored the interrupt and the run was killed


def _child_env(workdir, sandboxed):
    env = {k: os.environ[k] for k in ENV_KEEP if k in os.environ}
    env.update({
        "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONIOENCODING": "utf-8",
        "PYTHONNOUSERSITE": "1", "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1",
        "D2LMINI_QUICK": "1", "IPYTHONDIR": str(workdir / ".ipython"),
        "MPLCONFIGDIR": str(workdir / ".mpl"), "TMPDIR": str(workdir),
    })
    if sandboxed:
        env["HOME"] = str(workdir)
    return env


def _read_output(stream, cap, box):
    """Keep the first `cap` bytes, count and drop the rest (memory stays bounded)."""
    kept = bytearray()
    total = 0
    while True:
        chunk = stream.read1(65536) if hasattr(stream, "read1") else stream.read(65536)
        if not chunk:
            break
        total += len(chunk)
        if len(kept) < cap:
            kept.extend(chunk[: cap - len(kept)])
    box["output"] = kept.decode("utf-8", "replace")
    box["bytes"] = total


def descendants(pid):
    """Every process below `pid` (breadth first), read from /proc."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as f:
                    ppid = int(f.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    found, queue = [], [pid]
    while queue:
        for child in sorted(children.get(queue.pop(0), [])):
            found.append(child)
            queue.append(child)
    return found


def _comm(pid):
    try:
        return pathlib.Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def _alive(pid):
    """True while `pid` exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except (OSError, IndexError):
        return False


class Worker:
    """One started child process waiting for a submission (torch and IPython imported)."""

    def __init__(self, limits, sandbox=None):
        self.limits, self.sandbox = limits, sandbox or Sandbox("none")
        self.tmp = pathlib.Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-"))
        self.workdir = self.tmp / "work"
        self.workdir.mkdir()
        uid = self.sandbox.drop_to if self.sandbox.kind == "bwrap" else None
        if uid is not None:
            os.chown(self.workdir, uid, uid)
        read_fd, write_fd = os.pipe()
        argv = [sys.executable, str(GRADING_DIR / "child.py"), str(write_fd),
                str(limits.memory_mb), str(-1 if uid is None else uid),
                str(TASKS_MAX if self.sandbox.kind == "bwrap" and not self.sandbox.systemd_scope
                    else 0)]
        self.proc = subprocess.Popen(
            self.sandbox.command(argv, self.workdir, limits.memory_mb), cwd=self.workdir,
            env=_child_env(self.workdir, self.sandbox.kind == "bwrap"), stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, pass_fds=(write_fd,),
            start_new_session=True)     # its own process group: killed as a whole
        os.close(write_fd)
        self.messages, self.busy, self.payload = [], None, None
        self._ready = False
        self._out_box, self._res_box = {}, {}
        self._readers = [
            threading.Thread(target=_read_output, daemon=True,
                             args=(self.proc.stdout, limits.output_cap, self._out_box)),
            threading.Thread(target=self._read_results, args=(read_fd,), daemon=True)]
        for t in self._readers:
            t.start()

    def _read_results(self, fd):
        """Parse JSON lines from the result channel; track which cell is running."""
        total = 0
        with os.fdopen(fd, "rb") as stream:
            while True:
                line = stream.readline(RESULTS_CAP)
                if not line:
                    break
                total += len(line)
                if total > RESULTS_CAP:
                    self._res_box["overflow"] = True
                    break
                try:
                    msg = json.loads(line)
                except (ValueError, RecursionError):
                    continue           # garbage on the channel: ignore it
                if not isinstance(msg, dict):
                    continue
                self.messages.append(msg)
                kind = msg.get("type")
                if kind in ("cell_start", "start"):
                    self.busy = (kind, msg.get("index", msg.get("grade_id")), time.monotonic())
                elif kind in ("cell", "ready", "done"):
                    self.busy = None
                if kind == "ready" and not self._ready:
                    self._ready = True
                    self._send(self.payload)

    def _send(self, obj):
        try:
            self.proc.stdin.write(json.dumps(obj).encode() + b"\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            pass

    def kernel_pid(self):
        """The pid of the Python process running the cells (inside the sandbox if any)."""
        if self.sandbox.kind == "none":
            return self.proc.pid
        for pid in descendants(self.proc.pid):
            if _comm(pid) not in ("bwrap", "systemd-run"):
                return pid
        return None

    def _interrupt(self):
        pid = self.kernel_pid()
        if pid:
            try:
                os.kill(pid, signal.SIGINT)
            except (ProcessLookupError, PermissionError):
                pass

    def run(self, cells, filename, notebook_bytes, payload):
        """Run `cells` with a copy of the submission beside them, send `payload` after
        they ran, enforce the limits, end every process of the run, return a RunResult."""
        start = time.monotonic()
        (self.workdir / filename).write_bytes(notebook_bytes)
        self.payload = payload
        self._send(cells)
        timed_out = cell_killed = False
        interrupted = None
        while self.proc.poll() is None:
            now = time.monotonic()
            if now - start > self.limits.timeout:
                timed_out = True
                break
            busy = self.busy
            if busy and now - busy[2] > self.limits.cell_timeout:
                if interrupted is None or interrupted[0] != busy[:2]:
                    interrupted = (busy[:2], now)
                    self._interrupt()
                elif now - interrupted[1] > KILL_GRACE:
                    cell_killed = True
                    break
            time.sleep(0.05)
        self.close()
        return RunResult(messages=list(self.messages), output=self._out_box.get("output", ""),
                         output_bytes=self._out_box.get("bytes", 0),
                         returncode=self.proc.returncode, timed_out=timed_out,
                         seconds=time.monotonic() - start,
                         results_overflow=self._res_box.get("overflow", False),
                         cell_killed=cell_killed)

    def close(self):
        """Kill every process of this worker, wait until they are gone, delete its folder."""
        pids = descendants(self.proc.pid) if self.proc.poll() is None else []
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        for pid in pids:      # a sandbox dies with its first process; this covers "none"
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        self.proc.wait()
        deadline = time.monotonic() + 5
        while any(_alive(p) for p in pids) and time.monotonic() < deadline:
            time.sleep(0.02)
        for t in self._readers:
            t.join(timeout=10)
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except (OSError, ValueError):
                pass
        shutil.rmtree(self.tmp, ignore_errors=True)


def run_code(cells, filename, notebook_bytes, payload, limits, sandbox=None):
    """Run `cells` (code strings) in a new worker and return its RunResult."""
    return Worker(limits, sandbox).run(cells, filename, notebook_bytes, payload)
