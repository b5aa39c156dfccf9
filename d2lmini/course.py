"""`d2lmini course`: list the chapters and execute them headless.

The chapters are found in the course checkout (`d2lmini.paths`: --course-dir,
$D2LMINI_COURSE_DIR, or the working directory and its parents), never next to the
installed package, so the same commands work from an editable install, `pip install .`
and a wheel.
"""
import os
import pathlib
import re
import tempfile
import time

from .errors import UserError
from .paths import material_dir

__all__ = ["CHECK_MARK", "chapter_numbers", "chapters", "clean_notebook", "course_dir",
           "read_notebook", "register", "run_notebook", "select_chapters", "write_notebook"]


def course_dir(explicit=None):
    """The course/ folder of the checkout (`explicit` is a --course-dir value)."""
    return material_dir("course", explicit)


def chapters(folder=None):
    """The chapter notebooks (NN_name.ipynb), in order; `folder` defaults to course_dir()."""
    folder = pathlib.Path(folder) if folder else course_dir()
    return sorted(folder.glob("[0-9][0-9]_*.ipynb"))


def chapter_numbers(paths):
    """{chapter number: notebook path} from NN_name.ipynb file names."""
    return {int(p.name[:2]): p for p in paths}


def _span(numbers):
    """[1, 2, ..., 8] -> "1–8"; a gap makes a list: "1, 2, 4"."""
    numbers = sorted(numbers)
    if numbers == list(range(numbers[0], numbers[-1] + 1)) and len(numbers) > 2:
        return f"{numbers[0]}–{numbers[-1]}"
    return ", ".join(map(str, numbers))


def select_chapters(paths, wanted):
    """The notebooks of the chapter numbers in `wanted` (strings such as "2" or "02"), in
    the order given; every other value is a UserError naming the chapters there are."""
    by_number = chapter_numbers(paths)
    if not by_number:
        raise UserError("no chapter notebooks (NN_name.ipynb) in the course folder")
    known = _span(by_number)
    out = []
    for text in wanted:
        if not re.fullmatch(r"\d{1,2}", str(text).strip()):
            raise UserError(f"{text!r} is not a chapter number; chapters are {known}")
        number = int(text)
        if number not in by_number:
            raise UserError(f"no chapter {number}; chapters are {known}")
        if by_number[number] not in out:
            out.append(by_number[number])
    return out


# Executed copies keep their figures whatever MPLBACKEND says (CI often sets Agg, under
# which every plt.show() is silently dropped): the kernel gets the inline backend.
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"


def kernel_env(quick=False):
    """The environment for a kernel that executes a chapter: ours, with the inline
    matplotlib backend and, with `quick`, D2LMINI_QUICK=1."""
    env = dict(os.environ, MPLBACKEND=INLINE_BACKEND)
    if quick:
        env["D2LMINI_QUICK"] = "1"
    return env


def kernel_manager(socket_dir):
    """A kernel manager for one chapter run. On Linux and macOS the kernel talks to us over
    Unix sockets in `socket_dir` (IPC: nothing listens on a network port, and ipykernel has
    no reason to warn about unencrypted TCP); Windows has no IPC transport, so TCP there."""
    from jupyter_client.manager import KernelManager
    if os.name != "posix":
        return KernelManager(kernel_name="python3")
    # an absolute path: the default relative one resolves against two working directories
    return KernelManager(kernel_name="python3", transport="ipc",
                         ip=os.path.join(socket_dir, "kernel"))


def run_notebook(path, out_dir, timeout=1800, quick=False):
    """Execute one notebook top to bottom in a fresh kernel; write the executed copy to
    `out_dir` and return the seconds it took."""
    import nbformat
    from nbclient import NotebookClient
    path, out_dir = pathlib.Path(path), pathlib.Path(out_dir)
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="d2lmini-kernel-") as socket_dir:
        km = kernel_manager(socket_dir)
        try:
            NotebookClient(nb, km=km, timeout=timeout, kernel_name="python3",
                           resources={"metadata": {"path": str(path.parent)}}).execute(env=kernel_env(quick))
        finally:   # a kernel manager we pass in is ours to stop (nbclient stops only its own)
            if km.has_kernel:
                km.shutdown_kernel(now=False)
    seconds = time.perf_counter() - start
    out_dir.mkdir(parents=True, exist_ok=True)
    write_notebook(nb, out_dir / path.name)
    return seconds


CHECK_MARK = "# NBVAL_CHECK_OUTPUT"
# What JupyterLab 4 writes when it saves a notebook open on the python3 kernel of this
# course's environment: stored exactly so, a freshly opened notebook is not "modified".
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
LANGUAGE_INFO = {"codemirror_mode": {"name": "ipython", "version": 3}, "file_extension": ".py",
                 "mimetype": "text/x-python", "name": "python", "nbconvert_exporter": "python",
                 "pygments_lexer": "ipython3", "version": "3.11.7"}


def notebook_metadata():
    """The notebook-level metadata every stored notebook carries (a fresh copy)."""
    import copy
    return {"kernelspec": copy.deepcopy(KERNELSPEC), "language_info": copy.deepcopy(LANGUAGE_INFO)}


def clean_notebook(nb):
    """Strip execution noise: notebook metadata beyond the kernel (which is stored as
    JupyterLab saves it), cell metadata beyond nbgrader's, execution counts, random cell
    ids, and the outputs of every cell that nbval does not check (those outputs are what a
    student sees without running)."""
    nb.metadata = notebook_metadata()
    for i, cell in enumerate(nb.cells):
        cell.metadata = {k: v for k, v in cell.metadata.items() if k in ("nbgrader", "tags")}
        cell["id"] = f"cell-{i:03d}"  # stable ids: no diff noise between saves
        if cell.cell_type != "code":
            continue
        # nbval refuses stored outputs on a cell without an execution count, so a
        # checked cell gets a fixed one (its position); every other cell loses both.
        checked = CHECK_MARK in cell.source
        cell.execution_count = i + 1 if checked else None
        if not checked:
            cell.outputs = []
        for out in cell.outputs:
            if "execution_count" in out:
                out["execution_count"] = i + 1
            if "metadata" in out:
                out["metadata"] = {}
    nb.nbformat, nb.nbformat_minor = 4, 5
    return nb


def write_notebook(nb, path):
    """Write a notebook atomically (temp file, then rename)."""
    import nbformat

    from .fileio import atomic_path
    with atomic_path(path) as tmp:
        nbformat.write(nb, tmp)


def read_notebook(path):
    """Read a notebook; a missing file or one that is not a notebook is a UserError."""
    import json

    import nbformat
    path = pathlib.Path(path)
    if not path.is_file():
        raise UserError(f"no such notebook: {path}")
    try:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
    except (json.JSONDecodeError, UnicodeDecodeError, nbformat.reader.NotJSONError) as err:
        raise UserError(f"{path} is not a notebook (not valid JSON: {err.__class__.__name__})"
                        ) from None
    except (nbformat.ValidationError, nbformat.reader.ValidationError, KeyError, AttributeError,
            TypeError) as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else err.__class__.__name__
        raise UserError(f"{path} is not a valid notebook ({first[:120]})") from None
    return nb


def _clean(args):
    paths = [pathlib.Path(p) for p in args.paths] or chapters(course_dir(args.course_dir))
    notebooks = [(path, read_notebook(path)) for path in paths]   # all readable, or none touched
    for path, nb in notebooks:
        write_notebook(clean_notebook(nb), path)
        print(f"cleaned {path}")
    return 0


def _run(args):
    paths = chapters(course_dir(args.course_dir))
    if args.chapters:
        paths = select_chapters(paths, args.chapters)
    elif not paths:
        raise UserError("no chapter notebooks (NN_name.ipynb) in the course folder")
    out_dir = pathlib.Path(args.out)
    try:                       # before any chapter runs, not after the first one
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UserError(f"cannot create --out {out_dir}: {err.strerror}") from None
    if not os.access(out_dir, os.W_OK):
        raise UserError(f"--out {out_dir} is not writable: choose another folder") from None
    total = 0.0
    for path in paths:
        print(f"running {path.name} ({'quick' if args.quick else 'full'} mode) ...", flush=True)
        seconds = run_notebook(path, out_dir, quick=args.quick)
        total += seconds
        executed = out_dir / path.name
        if args.update:  # keep only the checked outputs, back in course/
            write_notebook(clean_notebook(read_notebook(executed)), path)
        print(f"  done in {seconds:.1f} s -> {executed}", flush=True)
    print(f"all {len(paths)} chapters in {total:.1f} s")
    return 0


def _list(args):
    for path in chapters(course_dir(args.course_dir)):
        print(path.name)
    return 0


def _add_course_dir(parser):
    parser.add_argument("--course-dir", default=None, metavar="DIR",
                        help="the course checkout (default: $D2LMINI_COURSE_DIR, else the "
                             "working directory or its nearest parent holding course/)")


def register(sub):
    """Add `d2lmini course run | clean | list` to the command line."""
    course = sub.add_parser("course", help="list or execute the chapter notebooks")
    csub = course.add_subparsers(dest="course_command", metavar="ACTION")
    run = csub.add_parser("run", help="execute chapters headless (executed copies go to --out)")
    run.add_argument("chapters", nargs="*", help="chapter numbers, e.g. 1 2 (default: all)")
    run.add_argument("--quick", action="store_true", help="shrink data and epochs (D2LMINI_QUICK=1)")
    run.add_argument("--out", default="_executed", help="folder for executed notebooks")
    run.add_argument("--update", action="store_true",
                     help="store the outputs of '# NBVAL_CHECK_OUTPUT' cells back in course/")
    _add_course_dir(run)
    run.set_defaults(func=_run)
    clean = csub.add_parser("clean", help="strip metadata and unchecked outputs in place")
    clean.add_argument("paths", nargs="*", help="notebooks (default: every chapter)")
    _add_course_dir(clean)
    clean.set_defaults(func=_clean)
    lst = csub.add_parser("list", help="list the chapter notebooks")
    _add_course_dir(lst)
    lst.set_defaults(func=_list)
    course.set_defaults(func=lambda args: course.print_help() or 0)
