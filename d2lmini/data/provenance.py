"""Small typed containers that the data loaders return, each with its provenance."""
from dataclasses import dataclass, field


@dataclass
class Provenance:
    """Where a dataset came from: source, licence, size, checksum and why this path was taken."""

    name: str
    source: str
    licence: str
    size: str
    sha256: str
    kind: str            # "real source" or "embedded default"
    reason: str = ""

    def line(self, topic):
        """The one line a loader prints, e.g. "[d2lmini] NER data: embedded default 'wnut16' (...) — why"."""
        text = f"[d2lmini] {topic}: {self.kind} {self.name!r} ({self.source})"
        return f"{text} — {self.reason}" if self.reason else text


@dataclass
class TextCorpus:
    """Raw text for a character or word language model, split into train/valid/test strings."""

    name: str
    language: str
    train: str
    valid: str
    test: str
    provenance: Provenance = field(repr=False)

    def __repr__(self):
        sizes = ", ".join(f"{k}={len(getattr(self, k)):,} chars" for k in ("train", "valid", "test"))
        return f"TextCorpus({self.name!r}, language={self.language!r}, {sizes})"


@dataclass
class TaggedSentences:
    """Token-level tagging data: each split is a list of (tokens, BIO tags) pairs of string lists."""

    name: str
    train: list
    valid: list
    test: list
    label_names: list
    provenance: Provenance = field(repr=False)

    def __repr__(self):
        sizes = ", ".join(f"{k}={len(getattr(self, k)):,}" for k in ("train", "valid", "test"))
        return f"TaggedSentences({self.name!r}, {sizes} sentences, {len(self.label_names)} labels)"


@dataclass
class LabelledTexts:
    """Text classification data: each split is a list of (text, label index) pairs."""

    name: str
    train: list
    valid: list
    test: list
    label_names: list
    provenance: Provenance = field(repr=False)

    def __repr__(self):
        sizes = ", ".join(f"{k}={len(getattr(self, k)):,}" for k in ("train", "valid", "test"))
        return f"LabelledTexts({self.name!r}, {sizes} texts, labels={self.label_names})"


@dataclass
class TokenCorpus:
    """A word2vec corpus: a list of sentences, each a list of lower-case word tokens."""

    name: str
    sentences: list
    provenance: Provenance = field(repr=False)

    @property
    def num_tokens(self):
        """Total number of tokens over all sentences."""
        return sum(len(s) for s in self.sentences)

    def __repr__(self):
        return f"TokenCorpus({self.name!r}, {len(self.sentences):,} sentences, {self.num_tokens:,} tokens)"


@dataclass
class WordPairs:
    """Word-similarity judgements: a list of (word1, word2, human score)."""

    name: str
    pairs: list
    provenance: Provenance = field(repr=False)

    def __repr__(self):
        return f"WordPairs({self.name!r}, {len(self.pairs)} pairs)"


@dataclass
class Analogies:
    """Analogy questions a : b :: c : d, grouped by section name."""

    sections: dict
    provenance: Provenance = field(repr=False)
    name: str = "google_analogies"

    @property
    def num_questions(self):
        """Total number of questions over all sections."""
        return sum(len(v) for v in self.sections.values())

    def __repr__(self):
        return f"Analogies({len(self.sections)} sections, {self.num_questions:,} questions)"
