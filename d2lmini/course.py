"""`d2lmini course`: list the chapters and execute them headless."""
import os
import pathlib
import time


def course_dir():
    """The course/ folder of a source checkout."""
    return pathlib.Path(__file__).resolve().parent.parent / "course"


def chapters(folder=None):
    """The chapter notebooks, in order."""
    folder = pathlib.Path(folder) if folder else course_dir()
    return sorted(folder.glob("[0-9][0-9]_*.ipynb"))


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


def run_notebook(path, out_dir, timeout=1800, quick=False):
    """Execute one notebook top to bottom in a fresh kernel; write the executed copy to
    `out_dir` and return the seconds it took."""
    import nbformat
    from nbclient import NotebookClient
    path, out_dir = pathlib.Path(path), pathlib.Path(out_dir)
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute(env=kernel_env(quick))
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
    path = pathlib.Path(path)
    tmp = path.with_name(path.name + ".tmp")
    nbformat.write(nb, tmp)
    tmp.replace(path)


def _clean(args):
    import nbformat
    paths = [pathlib.Path(p) for p in args.paths] or chapters()
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        write_notebook(clean_notebook(nb), path)
        print(f"cleaned {path}")
    return 0


def _run(args):
    paths = chapters()
    if args.chapters:
        paths = [p for p in paths if any(p.name.startswith(c.zfill(2)) for c in args.chapters)]
    if not paths:
        print("no chapter notebooks found (run this from a source checkout)")
        return 1
    total = 0.0
    for path in paths:
        print(f"running {path.name} ({'quick' if args.quick else 'full'} mode) ...", flush=True)
        seconds = run_notebook(path, pathlib.Path(args.out), quick=args.quick)
        total += seconds
        executed = pathlib.Path(args.out) / path.name
        if args.update:  # keep only the checked outputs, back in course/
            import nbformat
            write_notebook(clean_notebook(nbformat.read(executed, as_version=4)), path)
        print(f"  done in {seconds:.1f} s -> {executed}", flush=True)
    print(f"all {len(paths)} chapters in {total:.1f} s")
    return 0


def _list(args):
    for path in chapters():
        print(path.name)
    return 0


def register(sub):
    course = sub.add_parser("course", help="list or execute the chapter notebooks")
    csub = course.add_subparsers(dest="course_command", metavar="ACTION")
    run = csub.add_parser("run", help="execute chapters headless (executed copies go to --out)")
    run.add_argument("chapters", nargs="*", help="chapter numbers, e.g. 1 2 (default: all)")
    run.add_argument("--quick", action="store_true", help="shrink data and epochs (D2LMINI_QUICK=1)")
    run.add_argument("--out", default="_executed", help="folder for executed notebooks")
    run.add_argument("--update", action="store_true",
                     help="store the outputs of '# NBVAL_CHECK_OUTPUT' cells back in course/")
    run.set_defaults(func=_run)
    clean = csub.add_parser("clean", help="strip metadata and unchecked outputs in place")
    clean.add_argument("paths", nargs="*", help="notebooks (default: every chapter)")
    clean.set_defaults(func=_clean)
    lst = csub.add_parser("list", help="list the chapter notebooks")
    lst.set_defaults(func=_list)
    course.set_defaults(func=lambda args: course.print_help() or 0)
