"""Run one notebook's code in a fresh Python process, feed it the test payload after its
own cells have run, and collect what it sends back (with caps on output and time)."""
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

OUTPUT_CAP = 1_000_000        # bytes of stdout/stderr kept per submission
RESULTS_CAP = 32_000_000      # bytes of results accepted per submission
# Environment variables passed to the student's process; everything else is dropped.
ENV_KEEP = ("PATH", "HOME", "LANG", "LC_ALL", "USER", "LOGNAME", "SYSTEMROOT")


@dataclasses.dataclass
class RunLimits:
    """Time, output and memory limits for one submission."""
    timeout: float = 120.0       # wall-clock seconds for the whole submission
    cell_timeout: float = 30.0   # seconds per cell (student cell or test cell)
    memory_mb: int = 4096        # address-space limit of the process (0: none)
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


def _child_env(workdir):
    env = {k: os.environ[k] for k in ENV_KEEP if k in os.environ}
    env.update({
        "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONIOENCODING": "utf-8",
        "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
        "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "D2LMINI_QUICK": "1",
        "IPYTHONDIR": str(workdir / ".ipython"), "MPLCONFIGDIR": str(workdir / ".mpl"),
        "TMPDIR": str(workdir),
    })
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


def _read_results(fd, on_ready, box):
    """Parse JSON lines from the result channel; call `on_ready` at the first "ready"."""
    messages, total, ready = [], 0, False
    with os.fdopen(fd, "rb") as stream:
        while True:
            line = stream.readline(RESULTS_CAP)
            if not line:
                break
            total += len(line)
            if total > RESULTS_CAP:
                box["overflow"] = True
                break
            try:
                msg = json.loads(line)
            except (ValueError, RecursionError):
                continue           # garbage on the channel: ignore it
            if not isinstance(msg, dict):
                continue
            messages.append(msg)
            if msg.get("type") == "ready" and not ready:
                ready = True
                on_ready()
    box["messages"] = messages


def _kill_group(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def run_code(cells, filename, notebook_bytes, payload, limits):
    """Run `cells` (code strings) in a new process inside a fresh temporary folder holding
    a copy of the submission, send `payload` after they ran, and return a RunResult."""
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="d2lmini-grade-"))
    workdir = tmp / "work"
    workdir.mkdir()
    (workdir / filename).write_bytes(notebook_bytes)
    read_fd, write_fd = os.pipe()
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "d2lmini.grading.child", str(write_fd),
         str(limits.cell_timeout), str(limits.memory_mb)],
        cwd=workdir, env=_child_env(workdir), stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, pass_fds=(write_fd,),
        start_new_session=True)     # its own process group: killed as a whole
    os.close(write_fd)
    out_box, res_box = {}, {}

    def send_payload():
        try:
            proc.stdin.write(json.dumps(payload).encode() + b"\n")
            proc.stdin.close()
        except (BrokenPipeError, OSError, ValueError):
            pass

    readers = [threading.Thread(target=_read_output, args=(proc.stdout, limits.output_cap, out_box),
                                daemon=True),
               threading.Thread(target=_read_results, args=(read_fd, send_payload, res_box),
                                daemon=True)]
    for t in readers:
        t.start()
    try:
        proc.stdin.write(json.dumps(cells).encode() + b"\n")
        proc.stdin.flush()
    except (BrokenPipeError, OSError):
        pass
    timed_out = False
    try:
        proc.wait(timeout=limits.timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
    _kill_group(proc)              # also ends anything the student started in the background
    proc.wait()
    for t in readers:
        t.join(timeout=10)
    seconds = time.perf_counter() - start
    for stream in (proc.stdin, proc.stdout):
        try:
            stream.close()
        except (OSError, ValueError):
            pass
    shutil.rmtree(tmp, ignore_errors=True)
    return RunResult(messages=res_box.get("messages", []), output=out_box.get("output", ""),
                     output_bytes=out_box.get("bytes", 0), returncode=proc.returncode,
                     timed_out=timed_out, seconds=seconds,
                     results_overflow=res_box.get("overflow", False))
