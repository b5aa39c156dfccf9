"""Every embedded default loads offline with its documented size and label set."""
import socket
import time

import pytest

import d2lmini.data as D
from d2lmini.data import DataError, text, wordvec


@pytest.fixture(autouse=True)
def _offline_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("D2LMINI_DATA", str(tmp_path / "cache"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the network was touched although HF_HUB_OFFLINE=1")
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def _check_provenance(p, name):
    assert p.name == name and p.kind == "embedded default"
    assert len(p.sha256) == 64 and p.licence and p.size and p.reason


def test_english_corpus_is_shakespeare_and_prints_one_line(capsys, no_network):
    c = D.load_corpus()
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and "embedded default 'shakespeare'" in out[0] and "HF_HUB_OFFLINE" in out[0]
    _check_provenance(c.provenance, "shakespeare")
    assert len(c.train) + len(c.valid) + len(c.test) == 1_519_415          # documented in DATA.md
    assert len(c.train) > 0.85 * 1_519_415 and c.valid and c.test
    assert "To be, or not to be" in c.train + c.valid + c.test
    assert "gutenberg" not in (c.train + c.valid + c.test).lower()
    assert c.train.endswith("\n") and c.valid.endswith("\n")              # cut at line ends


def test_chinese_corpus_is_peoples_daily_without_pos_tags(no_network):
    c = D.load_corpus(language="zh")
    _check_provenance(c.provenance, "peoples_daily")
    full = c.train + c.valid + c.test
    assert 1_800_000 < len(full) < 1_900_000 and c.language == "zh"
    assert "江泽民" in full and "/nr" not in full and "/n" not in full and "  " not in full


def test_ner_default_is_wnut16_with_labels_from_the_data(no_network):
    d = D.load_ner()
    _check_provenance(d.provenance, "wnut16")
    # 2,394 sentences in the file, 2,309 once exact repeats are dropped; split 80/10/10
    assert (len(d.train), len(d.valid), len(d.test)) == (1847, 231, 231)
    assert d.label_names[0] == "O" and len(d.label_names) == 21           # O + 10 types x B/I
    used = {t for split in (d.train, d.valid, d.test) for _, tags in split for t in tags}
    assert used == set(d.label_names)
    for tokens, tags in d.train[:200]:
        assert len(tokens) == len(tags) > 0
    train = {(tuple(t), tuple(g)) for t, g in d.train}
    assert not train & {(tuple(t), tuple(g)) for t, g in d.test + d.valid}  # no sentence in two splits
    assert D.load_ner("wnut16").train == d.train                          # deterministic split


def test_sentiment_default_is_rotten_tomatoes(no_network):
    d = D.load_sentiment()
    _check_provenance(d.provenance, "rotten_tomatoes")
    assert d.label_names == ["negative", "positive"]
    assert len(d.train) + len(d.valid) + len(d.test) == 12_752
    for split in (d.train, d.valid, d.test):
        assert {y for _, y in split} == {0, 1}
    pos = sum(y for _, y in d.train + d.valid + d.test)
    assert pos == 7_368                                                    # fresh reviews
    texts = [t for t, _ in d.train]
    assert len(set(texts)) == len(texts) and not set(texts) & {t for t, _ in d.test}


def test_word2vec_default_is_bbc_news(no_network):
    c = D.load_word2vec_corpus()
    _check_provenance(c.provenance, "bbc_news")
    assert 800_000 < c.num_tokens < 900_000 and len(c.sentences) > 40_000
    words = [w for s in c.sentences[:2000] for w in s]
    assert all(w == w.lower() and any(ch.isalnum() for ch in w) for w in words)
    assert wordvec.tokenize_words("Profits rose 2%, don't they?") == ["profits", "rose", "2", "don't", "they"]


def test_word_similarity_and_analogies(no_network):
    assert len(D.load_word_similarity("wordsim353").pairs) == 353
    s = D.load_word_similarity("simlex999")
    assert len(s.pairs) == 999 and ("smart", "intelligent", 9.2) in s.pairs
    a = D.load_analogies()
    assert a.num_questions == 19_544 and len(a.sections) == 14
    assert ("Athens", "Greece", "Baghdad", "Iraq") in a.sections["capital-common-countries"]   # as in the file
    with pytest.raises(ValueError, match="wordsim353"):
        D.load_word_similarity("men")


@pytest.mark.parametrize("loader", [D.load_corpus, D.load_ner, D.load_sentiment, D.load_word2vec_corpus,
                                    lambda: D.load_corpus(language="zh")])
def test_auto_offline_returns_the_default_fast(loader, no_network):
    """Cold load (in-memory caches cleared), no network touched (the fixture would fail), and
    under 2 s of CPU. CPU time, not wall time, is asserted because several test runs may share
    the cores; the wall time is checked against a loose bound that a network wait would break."""
    for f in (text._shakespeare, text._peoples_daily, wordvec._bbc_sentences):
        f.cache_clear()
    start, cpu = time.perf_counter(), time.process_time()
    data = loader()
    assert time.process_time() - cpu < 2.0
    assert time.perf_counter() - start < 10.0
    assert data.provenance.kind == "embedded default"


def test_forcing_a_real_source_offline_says_how_to_fix_it(no_network):
    for call, name in ((lambda: D.load_ner("conll2003"), "conll2003"),
                       (lambda: D.load_sentiment("imdb"), "imdb"),
                       (lambda: D.load_word2vec_corpus("ptb"), "ptb"),
                       (lambda: D.load_corpus("timemachine"), "timemachine")):
        with pytest.raises(DataError) as err:
            call()
        msg = str(err.value)
        assert name in msg and "HF_HUB_OFFLINE" in msg and "how to fix" in msg


def test_unknown_names_are_rejected():
    with pytest.raises(ValueError, match="wnut16"):
        D.load_ner("conll2002")
    with pytest.raises(ValueError, match="language"):
        D.load_corpus(language="fr")
    with pytest.raises(ValueError, match="peoples_daily"):
        D.load_corpus("shakespeare", language="zh")


def test_strip_gutenberg_and_split_text():
    book = ("The Project Gutenberg eBook of X\nlicence blah\n*** START OF THE PROJECT GUTENBERG EBOOK X ***\n"
            "Chapter 1\nIt was.\n*** END OF THE PROJECT GUTENBERG EBOOK X ***\nmore licence\n")
    assert text.strip_gutenberg(book) == "Chapter 1\nIt was.\n"
    parts = text.split_text("".join(f"line {i}\n" for i in range(100)))
    assert "".join(parts) == "".join(f"line {i}\n" for i in range(100))
    assert all(p.endswith("\n") for p in parts) and len(parts[0]) > len(parts[1])


def test_cache_dir_follows_the_environment_not_the_cwd(tmp_path, monkeypatch):
    monkeypatch.setenv("D2LMINI_DATA", str(tmp_path / "x"))
    monkeypatch.chdir(tmp_path)
    assert D.cache_dir() == (tmp_path / "x").resolve()
    monkeypatch.delenv("D2LMINI_DATA")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert D.cache_dir().name == "d2lmini" and "xdg" in str(D.cache_dir())
