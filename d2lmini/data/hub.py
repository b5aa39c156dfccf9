"""Real datasets from the Hugging Face hub (parquet), checked and kept in our own cache.

`from_hub` wraps `datasets.load_dataset`; tests (or a user with the files) can point a
dataset at local parquet files by putting them in `LOCAL_FILES[name]`. The converted
dataset is cached as `NAME/data.json.gz` with its sha256 beside it; reading it back checks
the checksum, parses it and checks its shape (`check`), so a damaged copy is reported, never used.
"""
import errno
import gzip
import json

from ..fileio import atomic_path, atomic_write, sha256_file
from . import online
from .cache import cache_dir, dataset_path, repair_hint, transaction, write_error
from .errors import DataError
from .online import offline_reason

__all__ = ["LOCAL_FILES", "CACHE_FILE", "from_hub", "check_splits", "check_columns", "class_label_names",
           "check_label_ids", "check_same_labels", "expect", "save_cache", "read_cache", "cache_status",
           "is_cached", "load_or_fetch", "network_blocked"]

# name -> data_files for load_dataset("parquet", data_files=...), used instead of the hub.
LOCAL_FILES = {}
CACHE_FILE = "data.json.gz"
_WRITE_ERRNOS = (errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EPERM)


def _load_local(name, files):
    """Each split from its own parquet file(s), so each keeps its own label names (one
    load_dataset call would give every split the first file's ClassLabel)."""
    import datasets
    files = files if isinstance(files, dict) else {"train": files}
    return datasets.DatasetDict({
        split: datasets.load_dataset("parquet", data_files={split: f},
                                     cache_dir=str(cache_dir() / "_hf_local"))[split]
        for split, f in files.items()})


def from_hub(name, hub_id, revision=None):
    """Load `hub_id` (a DatasetDict) with `datasets`, or the local parquet files in LOCAL_FILES[name]."""
    import datasets
    local = LOCAL_FILES.get(name)
    call = f"datasets.load_dataset({hub_id!r}" + (f", revision={revision!r})" if revision else ")")
    try:
        if local is not None:
            return _load_local(name, local)
        blocked = network_blocked(name, call)
        if blocked:
            raise blocked
        return datasets.load_dataset(hub_id, revision=revision)
    except DataError:
        raise
    except OSError as err:
        if err.errno in _WRITE_ERRNOS:   # the datasets cache is read-only or full: not a network problem
            raise write_error(name, getattr(err, "filename", None) or "the Hugging Face cache", err) from err
        raise _load_failed(name, call, local, err) from err
    except Exception as err:  # hub and format errors end up here
        raise _load_failed(name, call, local, err) from err


def network_blocked(name, call="load_dataset(...)"):
    """A DataError if the hub must not or cannot be used now (offline variable, hub unreachable),
    else None; local files (LOCAL_FILES) need no network."""
    if name in LOCAL_FILES:
        return None
    why = offline_reason()
    if why:
        return DataError(name, f"it comes from the Hugging Face hub but the network is switched off ({why})",
                         tried=call, fix=f"unset {why.split('=')[0]} and connect to the internet (once: it is "
                                         f"then cached), or use name='auto' for the embedded default")
    ok, why = online.reachable(online.HUB_URL)
    if not ok:     # fail in seconds, not after a minute of `datasets` retries
        return DataError(name, f"it comes from the Hugging Face hub, which cannot be reached ({why})",
                         tried=f"HEAD {online.HUB_URL}",
                         fix="connect to the internet, or set HF_ENDPOINT to a mirror or HTTPS_PROXY to "
                             "your proxy; until then name='auto' uses the embedded default")
    return None


def _load_failed(name, call, local, err):
    if local is not None:
        return DataError(name, f"reading the local parquet files failed: {type(err).__name__}: {str(err)[:300]}",
                         tried=f"{call} with local files {local}", fix="check that the files are this dataset's parquet")
    return DataError(name, f"loading from the hub failed: {type(err).__name__}: {str(err)[:300]}",
                     tried=call, fix="the hub answered but the load failed: try again later (or check "
                                     "HF_ENDPOINT/proxy settings); name='auto' falls back to the embedded default")


def check_splits(name, dsdict, splits):
    """Raise a DataError unless every split in `splits` is present."""
    missing = [s for s in splits if s not in dsdict]
    if missing:
        raise DataError(name, f"split(s) {missing} missing; found {list(dsdict)}",
                        fix="the dataset on the hub changed shape: report it, or use the embedded default")


def check_columns(name, split, required):
    """Raise a DataError unless the split has every column in `required`."""
    missing = [c for c in required if c not in split.column_names]
    if missing:
        raise DataError(name, f"column(s) {missing} missing; the file has {split.column_names}",
                        fix="the parquet/CSV is not the expected dataset: use the documented source (DATA.md)")


def class_label_names(name, feature, expected):
    """The label names of a ClassLabel (or a Sequence of ClassLabel) feature, checked against the
    expected *set* of names (their order and ids are taken from the data, never assumed)."""
    inner = getattr(feature, "feature", feature)
    names = getattr(inner, "names", None)
    if names is None and isinstance(feature, list) and feature:   # datasets >= 4: List(ClassLabel)
        names = getattr(feature[0], "names", None)
    if names is None:
        raise DataError(name, f"the label column is {feature!r}, not a ClassLabel with names",
                        fix="the dataset lost its label names: load the original parquet copy")
    if set(names) != set(expected):
        raise DataError(name, f"label set {sorted(names)} does not match the expected {sorted(expected)}",
                        fix="this is a different dataset or version; use the documented one (DATA.md)")
    return list(names)


def check_label_ids(name, split, ids, names):
    """Raise a DataError unless every label id in `ids` (a flat iterable) indexes `names`."""
    bad = sorted({i for i in ids if not (isinstance(i, int) and 0 <= i < len(names))}, key=repr)
    if bad:
        raise DataError(name, f"the {split} split has label ids {bad[:5]} outside 0..{len(names) - 1} "
                        f"(the ClassLabel names are {names})",
                        fix="the file is damaged or another dataset's: use the documented source (DATA.md)")


def check_same_labels(name, first_split, first, split, names):
    """Raise a DataError unless `split`'s label names equal (in order) those of `first_split`."""
    if first is not None and list(names) != list(first):
        raise DataError(name, f"the {split} split's label names {list(names)} differ from the "
                        f"{first_split} split's {list(first)}: its ids would mean other labels",
                        fix="use splits of one version of the dataset (DATA.md)")


def expect(name, condition, problem):
    """Raise DataError(name, problem) unless `condition` (for checking a cached payload's shape)."""
    if not condition:
        raise DataError(name, problem)


def save_cache(name, payload):
    """Write the converted dataset to the cache (unique temp file, then rename) with a .sha256
    beside it; call it inside `transaction(name)`. Returns (path, sha256)."""
    path = dataset_path(name, CACHE_FILE)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp:
            with gzip.open(tmp, "wt", encoding="utf-8") as f:
                json.dump(payload, f)
            digest = sha256_file(tmp)
        atomic_write(_sidecar(path), digest + "\n")
    except OSError as err:
        raise write_error(name, path.parent, err) from err
    return path, digest


def _sidecar(path):
    return path.with_name(path.name + ".sha256")


def cache_status(name):
    """"missing", "ok" or "corrupt" (checksum only: see `read_cache` for the full check)."""
    path = dataset_path(name, CACHE_FILE)
    side = _sidecar(path)
    if not path.is_file():
        return "missing"
    try:
        ok = side.read_text().strip() == sha256_file(path)
    except (OSError, UnicodeDecodeError):
        ok = False
    return "ok" if ok else "corrupt"


def is_cached(name):
    """True if a converted copy is in the cache (`read_cache` says whether it is any good)."""
    return dataset_path(name, CACHE_FILE).is_file()


def read_cache(name, check):
    """The cached payload and its sha256, or None if there is none. A copy that fails its
    checksum, does not parse, or fails `check(payload)` raises a DataError saying how to repair it."""
    path = dataset_path(name, CACHE_FILE)
    if not path.is_file():
        return None
    status = cache_status(name)
    if status != "ok":
        raise DataError(name, f"cached file {path} fails its checksum ({_sidecar(path).name})",
                        tried=str(path), fix=repair_hint(name))
    try:
        with gzip.open(path, "rt", encoding="utf-8") as f:
            payload = json.load(f)
        expect(name, isinstance(payload, dict), f"the payload is a {type(payload).__name__}, not an object")
        check(payload)
        return payload, sha256_file(path)
    except Exception as err:      # gzip, JSON, Unicode, shape: any of them means a broken copy
        problem = err.problem if isinstance(err, DataError) else f"{type(err).__name__}: {str(err)[:200]}"
        raise DataError(name, f"cached file {path} passes its checksum but cannot be used: {problem}",
                        tried=str(path), fix=repair_hint(name)) from err


def load_or_fetch(name, fetch, check, download=True):
    """The checked cached payload of a hub dataset and its sha256; when there is no good copy,
    `fetch()` one (unless download=False), check it, cache it and return it.

    Runs under the dataset's cache lock when it writes, so concurrent first loads fetch once;
    a good copy is read without the lock (a read-only cache works)."""
    try:
        found = read_cache(name, check)
    except DataError as err:
        found, broken = None, err
    else:
        broken = None
    if found is not None:
        return found
    if not download:
        raise broken or DataError(name, "not in the cache", tried=str(dataset_path(name, CACHE_FILE)),
                                  fix=f"run `d2lmini data fetch {name}` with internet access")
    try:
        blocked = network_blocked(name)       # before the lock: an offline call leaves no folder behind
        if blocked:
            raise blocked
        with transaction(name):
            try:
                found, broken = read_cache(name, check), None      # another process may have fetched it
            except DataError as err:
                found, broken = None, err
            if found is not None:
                return found
            payload = fetch()
            check(payload)
            _, digest = save_cache(name, payload)
            if broken:
                print(f"[d2lmini] {name}: replaced a broken cached copy ({broken.problem})", flush=True)
            return payload, digest
    except DataError as err:
        if broken is None:
            raise
        raise DataError(name, f"{broken.problem}, and no new copy could be made: {err.problem}",
                        tried=err.tried, fix=f"{err.fix}; or {repair_hint(name)}") from err
