"""The sandbox one submission runs in: bubblewrap (`bwrap`) on Linux, or none.

With bwrap the student's process sees a new, almost empty file system: the Python
installation and the virtual environment (read-only), the `d2lmini/grading` folder of the
package the grader imported (read-only; the rest of the library, the checkout,
`solutions/`, the submissions and the output folder are not there at all), its own
temporary folder (writable), a fresh /proc of its own PID namespace, a minimal /dev and no
network. It dies with the grader (`--die-with-parent`), cannot reach the terminal
(`--new-session`), and when the sandbox ends every process in it ends too (the kernel kills
a PID namespace with its first process). A grader running as root drops the student's
process to the unprivileged user nobody (uid 65534) inside the sandbox.

Limits: `systemd-run --user --scope -p MemoryMax= -p TasksMax=` (a cgroup for all the
submission's processes) where a user systemd answers, otherwise RLIMIT_AS per process and
RLIMIT_NPROC (set by the child; counted per user namespace, or per uid for nobody).
"""
import dataclasses
import os
import pathlib
import shutil
import subprocess
import sys

__all__ = ["GRADING_DIR", "NOBODY", "TASKS_MAX", "Sandbox", "SandboxUnavailable",
           "choose_sandbox", "probe_bwrap", "probe_systemd_scope"]

GRADING_DIR = pathlib.Path(__file__).resolve().parent   # d2lmini/grading as imported
NOBODY = 65534
TASKS_MAX = 256              # processes + threads of one submission
_LIBS = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime")
_probed = {}


class SandboxUnavailable(RuntimeError):
    """bwrap cannot run here; the message says why."""


def _python_trees():
    """Folders the interpreter needs: the installation and the virtual environment."""
    trees = {pathlib.Path(p).resolve() for p in (sys.prefix, sys.base_prefix, sys.exec_prefix,
                                                  sys.base_exec_prefix)}
    trees.add(pathlib.Path(os.path.realpath(sys.executable)).parent.parent)
    return sorted(t for t in trees if not _under(t, pathlib.Path("/usr")))


def _under(path, root):
    return path == root or root in path.parents


def _parents_args(path, made):
    """`--dir` for every missing ancestor (bwrap would create them mode 0700 as root)."""
    args = []
    for parent in reversed(path.parents):
        if str(parent) != "/" and parent not in made:
            made.add(parent)
            args += ["--dir", str(parent)]
    return args


@dataclasses.dataclass
class Sandbox:
    """How submissions run: kind "bwrap" or "none", plus the limits that apply."""
    kind: str = "none"
    bwrap: str | None = None
    drop_to: int | None = None      # uid/gid the student's process drops to (root only)
    systemd_scope: bool = False
    note: str = ""                  # why we fell back, for the summary

    def command(self, argv, workdir, memory_mb):
        """The full command line running `argv` (a Python child) for one submission."""
        if self.kind == "none":
            return list(argv)
        return self._scope(memory_mb) + self._bwrap_args(pathlib.Path(workdir)) + ["--"] + list(argv)

    def _scope(self, memory_mb):
        if not self.systemd_scope:
            return []
        props = ["-p", f"TasksMax={TASKS_MAX}"]
        if memory_mb > 0:
            props += ["-p", f"MemoryMax={memory_mb}M"]
        return ["systemd-run", "--user", "--scope", "--quiet", *props, "--"]

    def _bwrap_args(self, workdir):
        args = [self.bwrap, "--die-with-parent", "--new-session"]
        if self.drop_to is None:
            args += ["--unshare-all"]
        else:   # --unshare-all without the user namespace, so the child can become nobody
            args += ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
                     "--unshare-cgroup-try", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
        made = set()
        args += ["--ro-bind", "/usr", "/usr"]
        for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
            top = pathlib.Path("/") / name
            if top.is_symlink():
                args += ["--symlink", os.readlink(top), str(top)]
            elif top.is_dir():
                args += ["--ro-bind", str(top), str(top)]
        for lib in _LIBS:
            if os.path.exists(lib):
                args += _parents_args(pathlib.Path(lib), made) + ["--ro-bind", lib, lib]
        for tree in _python_trees() + [GRADING_DIR]:
            args += _parents_args(tree, made) + ["--ro-bind", str(tree), str(tree)]
        args += _parents_args(workdir, made) + ["--bind", str(workdir), str(workdir)]
        args += ["--proc", "/proc", "--dev", "/dev", "--chdir", str(workdir)]
        return args

    def describe(self, memory_mb):
        """One line for the summary: which sandbox and which limits were used."""
        if self.kind == "none":
            return ("sandbox: none - submissions run as your user with access to your files "
                    "and the network (see README, 'What it does not protect against')"
                    + (f"; {self.note}" if self.note else ""))
        who = f"as uid {self.drop_to} (nobody)" if self.drop_to is not None else "in a user namespace"
        if self.systemd_scope:
            limits = f"cgroup via systemd-run: TasksMax={TASKS_MAX}" + \
                     (f", MemoryMax={memory_mb}M" if memory_mb > 0 else "")
        else:
            limits = (f"RLIMIT_AS {memory_mb} MB per process, " if memory_mb > 0 else "") + \
                     f"RLIMIT_NPROC {TASKS_MAX}"
        return (f"sandbox: bwrap {who}: no network, fresh /proc, read-only Python and "
                f"d2lmini/grading only, a private temp folder; {limits}")


def _try(cmd, timeout=60, **kw):
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)
    except (OSError, subprocess.SubprocessError) as err:
        return False, str(err)
    last = (p.stderr.strip().splitlines() or [f"exit code {p.returncode}"])[-1]
    return p.returncode == 0, last


def probe_systemd_scope():
    """True when `systemd-run --user --scope` works (a user systemd with cgroups)."""
    if "systemd" not in _probed:
        ok = bool(shutil.which("systemd-run")) and _try(
            ["systemd-run", "--user", "--scope", "--quiet", "-p", "TasksMax=16", "true"],
            timeout=20)[0]
        _probed["systemd"] = ok
    return _probed["systemd"]


def probe_bwrap():
    """A working bwrap Sandbox, or SandboxUnavailable saying why (probed once)."""
    if "bwrap" not in _probed:
        _probed["bwrap"] = _probe_bwrap()
    result = _probed["bwrap"]
    if isinstance(result, str):
        raise SandboxUnavailable(result)
    return result


def _probe_bwrap():
    if not sys.platform.startswith("linux"):
        return f"bubblewrap needs Linux (this is {sys.platform})"
    exe = shutil.which("bwrap")
    if not exe:
        return "bwrap not found (Debian/Ubuntu: apt-get install bubblewrap)"
    box = Sandbox("bwrap", exe, drop_to=NOBODY if os.geteuid() == 0 else None,
                  systemd_scope=probe_systemd_scope())
    import tempfile
    work = pathlib.Path(tempfile.mkdtemp(prefix="d2lmini-probe-"))
    try:
        if box.drop_to is not None:
            os.chown(work, box.drop_to, box.drop_to)
        code = ("import os, sys\n"
                f"if {box.drop_to!r} is not None:\n"
                f"    os.setgroups([]); os.setgid({box.drop_to!r}); os.setuid({box.drop_to!r})\n"
                "open('ok', 'w').write(str(len(os.listdir('/proc'))))\n")
        ok, why = _try(box.command([sys.executable, "-c", code], work, 0), env=_probe_env(work))
        if not ok or not (work / "ok").exists():
            return f"bwrap does not work here ({why}); user namespaces may be disabled"
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return box


def _probe_env(work):
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "TMPDIR": str(work),
            "HOME": str(work)}


def choose_sandbox(mode, log=print):
    """The Sandbox for `--sandbox auto|bwrap|none`; auto falls back with one clear line."""
    if mode == "none":
        return Sandbox("none")
    try:
        return probe_bwrap()
    except SandboxUnavailable as err:
        if mode == "bwrap":
            from ..errors import UserError
            raise UserError(f"--sandbox bwrap: {err}; use --sandbox none to grade without "
                            "a sandbox (see README)") from None
        log(f"[d2lmini] no sandbox: {err}; grading WITHOUT one (see README)")
        return Sandbox("none", note=str(err))
