"""What `d2lmini grade` is asked to do: the solution notebook, every entry of the
submissions folders (each gets a row, with a reason when it cannot be graded), the limits
and the output file, all checked before any grading starts."""
import dataclasses
import math
import os
import pathlib

from ..errors import UserError
from ..paths import material_dir

__all__ = ["MIN_MEMORY_MB", "Submission", "check_limits", "check_output", "collect_submissions",
           "resolve_solution"]

MIN_MEMORY_MB = 256        # Python with torch does not start in less


@dataclasses.dataclass
class Submission:
    """One entry to report on: a notebook to grade (reason None) or a row with a reason."""
    student: str
    path: pathlib.Path
    reason: str | None = None


def _assignments(folder):
    return sorted(p for p in folder.glob("[0-9][0-9]_*.ipynb") if p.is_file())


def resolve_solution(name, course_dir=None):
    """A solution notebook from a path, or an exact assignment name: `3`, `03` or
    `03_gradients` (looked up in the checkout's solutions/ folder)."""
    path = pathlib.Path(name)
    if os.sep in name or "/" in name or path.suffix:
        if path.suffix != ".ipynb":
            raise UserError(f"{name} is not a solution notebook (.ipynb): give one, or an "
                            "assignment name such as 03")
        if not path.is_file():
            raise UserError(f"solution notebook {name} does not exist")
        return path
    folder = material_dir("solutions", course_dir)
    known = _assignments(folder)
    if name.isdigit():
        matches = [p for p in known if int(p.stem[:2]) == int(name)]
    else:
        matches = [p for p in known if p.stem == name]
    if len(matches) != 1:
        listing = ", ".join(f"{p.stem[:2]} ({p.stem})" for p in known) or "none"
        raise UserError(f"no assignment named {name!r} in {folder}: use one of {listing}, "
                        "or give the path of a solution notebook")
    return matches[0]


def _entry(root, path):
    """A Submission for one file found below `root`."""
    rel = path.relative_to(root).as_posix()
    if path.is_symlink() and not path.exists():
        return Submission(rel, path, "dangling symlink (its target is missing)")
    if path.is_symlink() and path.is_dir():
        return Submission(rel, path, "symlink to a folder (not followed)")
    if path.suffix != ".ipynb":
        return Submission(rel, path, "not a notebook (only .ipynb files are graded)")
    student = rel[: -len(".ipynb")]
    if not path.is_file():
        return Submission(student, path, "not a regular file")
    return Submission(student, path)


def collect_submissions(paths, log=print):
    """Every entry of the given notebooks and folders (recursively), each exactly once.
    A folder's notebooks are named by their path inside it without .ipynb."""
    found, checkpoints = [], 0
    for arg in paths:
        p = pathlib.Path(arg)
        if p.is_dir() and not p.is_symlink():
            errors, here = [], []
            for dirpath, dirnames, filenames in os.walk(p, onerror=errors.append):
                if ".ipynb_checkpoints" in dirnames:
                    dirnames.remove(".ipynb_checkpoints")
                    checkpoints += 1
                dirnames.sort()
                links = [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]
                for name in filenames + links:
                    here.append(_entry(p, pathlib.Path(dirpath) / name))
            found += sorted(here, key=lambda s: s.path.relative_to(p).as_posix())
            for err in errors:
                where = pathlib.Path(err.filename)
                found.append(Submission(where.relative_to(p).as_posix() + "/", where,
                                        f"unreadable folder ({err.strerror})"))
        elif p.is_file():
            if p.suffix != ".ipynb":
                raise UserError(f"submission {arg} is not a notebook (.ipynb): give notebooks "
                                "or folders of notebooks")
            found.append(Submission(p.stem, p))
        else:
            raise UserError(f"submission {arg} does not exist" +
                            (" (a dangling symlink)" if p.is_symlink() else ""))
    if checkpoints:
        log(f"[d2lmini] ignored {checkpoints} .ipynb_checkpoints folder(s) (Jupyter's autosaves)")
    if not any(s.reason is None for s in found):
        raise UserError(f"no notebooks to grade in {' '.join(map(str, paths))} (looked for "
                        "*.ipynb in every folder below)")
    names = [s.student for s in found]
    for s in found:
        if names.count(s.student) > 1:
            s.student = str(s.path.with_suffix("") if s.reason is None else s.path)
    return found


def check_limits(timeout, cell_timeout, memory_mb, jobs):
    """Refuse limits that make no sense (instead of silently meaning "no limit")."""
    for flag, value in (("--timeout", timeout), ("--cell-timeout", cell_timeout)):
        if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
            raise UserError(f"{flag} must be a number of seconds > 0, got {value}")
    if memory_mb != 0 and not memory_mb >= MIN_MEMORY_MB:
        raise UserError(f"--memory-mb must be at least {MIN_MEMORY_MB} (Python and torch need "
                        f"that much), or 0 for no limit; got {memory_mb}")
    if not jobs >= 1:
        raise UserError(f"--jobs must be 1 or more, got {jobs}")


def check_output(csv_path, submission_paths):
    """Refuse an --out that is a folder or lies inside a submissions folder (it would be
    graded as a submission). Writability is checked by opening the journal."""
    csv_path = pathlib.Path(csv_path)
    if csv_path.is_dir():
        raise UserError(f"--out {csv_path} is a folder: give a CSV file name, e.g. "
                        f"{csv_path / 'grades.csv'}")
    if csv_path.suffix.lower() != ".csv":
        raise UserError(f"--out {csv_path} should end in .csv (grades.json and the journal "
                        "go beside it)")
    out_dir = csv_path.resolve().parent
    for arg in submission_paths:
        folder = pathlib.Path(arg).resolve()
        if folder.is_dir() and (out_dir == folder or folder in out_dir.parents):
            raise UserError(f"--out {csv_path} is inside the submissions folder {arg}: "
                            "write grades somewhere else")
