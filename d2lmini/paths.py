"""Where the course material is: the folder holding course/, solutions/ and exercises/.

The installed package never looks next to its own files (a wheel has no course/ folder):
it looks at `--course-dir`, then `$D2LMINI_COURSE_DIR`, then the working directory and
its parents, and says where it looked when it finds nothing.
"""
import os
import pathlib

from .errors import UserError

__all__ = ["ENV_VAR", "CourseDirError", "course_root", "material_dir"]

ENV_VAR = "D2LMINI_COURSE_DIR"
MATERIAL = ("course", "solutions", "exercises")


class CourseDirError(UserError, FileNotFoundError):
    """No course checkout where we looked; the message says where and what to do."""


def _is_root(folder):
    return any((folder / name).is_dir() for name in MATERIAL)


def course_root(explicit=None):
    """The checkout folder: `explicit` (a --course-dir option), else $D2LMINI_COURSE_DIR,
    else the working directory or the nearest parent holding course/, solutions/ or exercises/."""
    if explicit or os.environ.get(ENV_VAR):
        given = pathlib.Path(explicit or os.environ[ENV_VAR]).expanduser().resolve()
        if _is_root(given):
            return given
        where = "--course-dir" if explicit else f"${ENV_VAR}"
        raise CourseDirError(f"{where} is {given}, which holds none of {', '.join(MATERIAL)}/: "
                             "point it at the folder you cloned the course into")
    cwd = pathlib.Path.cwd().resolve()
    for folder in (cwd, *cwd.parents):
        if _is_root(folder):
            return folder
    raise CourseDirError(f"no course checkout in {cwd} or its parents (looked for "
                         f"{', '.join(MATERIAL)}/): run this from the folder you cloned the "
                         f"course into, or pass --course-dir / set ${ENV_VAR}")


def material_dir(name, explicit=None):
    """One material folder (`course`, `solutions` or `exercises`) of the checkout."""
    if name not in MATERIAL:
        raise ValueError(f"name must be one of {MATERIAL}, got {name!r}")
    root = course_root(explicit)
    folder = root / name
    if not folder.is_dir():
        raise CourseDirError(f"{root} has no {name}/ folder: run this from a full checkout "
                             "of the course")
    return folder
