"""Real datasets from the Hugging Face hub (parquet), checked and kept in our own cache.

`from_hub` wraps `datasets.load_dataset`; tests (or a user with the files) can point a
dataset at local parquet files by putting them in `LOCAL_FILES[name]`.
"""
import gzip
import hashlib
import json

from .cache import cache_dir, dataset_path, file_hash
from .errors import DataError
from .online import offline_reason

# name -> data_files for load_dataset("parquet", data_files=...), used instead of the hub.
LOCAL_FILES = {}
CACHE_FILE = "data.json.gz"


def from_hub(name, hub_id, revision=None):
    """Load `hub_id` (a DatasetDict) with `datasets`, or the local parquet files in LOCAL_FILES[name]."""
    import datasets
    local = LOCAL_FILES.get(name)
    try:
        if local is not None:
            return datasets.load_dataset("parquet", data_files=local,
                                         cache_dir=str(cache_dir() / "_hf_local"))
        why = offline_reason()
        if why:
            raise DataError(name, f"it comes from the Hugging Face hub but the network is switched off ({why})",
                            tried=f"load_dataset({hub_id!r})",
                            fix=f"unset {why.split('=')[0]} and connect to the internet (once: it is then "
                                f"cached), or use name='auto' for the embedded default")
        return datasets.load_dataset(hub_id, revision=revision)
    except DataError:
        raise
    except Exception as err:  # network, hub and format errors all end up here
        call = f"datasets.load_dataset({hub_id!r}" + (f", revision={revision!r})" if revision else ")")
        if local is not None:
            call += f" with local files {local}"
        raise DataError(name, f"loading from the hub failed: {type(err).__name__}: {str(err)[:300]}",
                        tried=call,
                        fix=f"check your internet connection (or HF_ENDPOINT/proxy settings) and run "
                            f"`d2lmini data fetch {name}`; name='auto' falls back to the embedded default"
                        ) from err


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
                        fix="the parquet/CSV is not the expected dataset: delete it from the cache "
                            "(`d2lmini data verify`) or check the source")


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


def save_cache(name, payload):
    """Write the converted dataset to the cache (temp file, then rename) with a .sha256 beside it."""
    path = dataset_path(name, CACHE_FILE)
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")
    with gzip.open(part, "wt", encoding="utf-8") as f:
        json.dump(payload, f)
    digest = file_hash(part)
    part.replace(path)
    path.with_name(CACHE_FILE + ".sha256").write_text(digest + "\n")
    return path, digest


def cache_status(name):
    """"missing", "ok" or "corrupt" for a hub dataset's converted cache file."""
    path = dataset_path(name, CACHE_FILE)
    side = path.with_name(CACHE_FILE + ".sha256")
    if not path.is_file():
        return "missing"
    if not side.is_file() or side.read_text().strip() != file_hash(path):
        return "corrupt"
    return "ok"


def is_cached(name):
    """True if a verified converted copy is cached; a corrupt one is reported and removed."""
    if cache_status(name) == "corrupt":
        load_cache(name)
    return cache_status(name) == "ok"


def load_cache(name):
    """The cached payload and its sha256, or (None, None) if missing; a corrupt file is removed."""
    status = cache_status(name)
    path = dataset_path(name, CACHE_FILE)
    if status == "corrupt":
        print(f"[d2lmini] {name}: cached file {path} fails its checksum; removing it", flush=True)
        path.unlink()
        return None, None
    if status == "missing":
        return None, None
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return json.load(f), file_hash(path)


def load_or_fetch(name, fetch):
    """The cached payload of a hub dataset and its sha256, calling `fetch()` and caching its
    result first when there is no verified copy."""
    payload, digest = load_cache(name)
    if payload is None:
        save_cache(name, fetch())
        payload, digest = load_cache(name)
    return payload, digest


def text_sha256(*parts):
    """sha256 of text parts (for provenance of data converted in memory)."""
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode("utf-8"))
    return h.hexdigest()
