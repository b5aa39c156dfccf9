"""The hub path against local parquet files shaped like the real datasets (same columns, same
ClassLabel names), and the `auto` rule when the hub is reachable."""
import pytest
from datasets import ClassLabel, Dataset, Features, Sequence, Value

import d2lmini.data as D
from d2lmini.data import DataError, hub, online

CONLL_NAMES = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]


def _conll_split(rows, names=CONLL_NAMES, drop=()):
    feats = {"id": Value("string"), "tokens": Sequence(Value("string")),
             "pos_tags": Sequence(ClassLabel(names=["NNP", "VBZ", "JJ", "NN", "."])),
             "chunk_tags": Sequence(ClassLabel(names=["O", "B-NP", "B-VP"])),
             "ner_tags": Sequence(ClassLabel(names=names))}
    data = {"id": [str(i) for i in range(len(rows))], "tokens": [r[0] for r in rows],
            "pos_tags": [[0] * len(r[0]) for r in rows], "chunk_tags": [[1] * len(r[0]) for r in rows],
            "ner_tags": [r[1] for r in rows]}
    for col in drop:
        feats.pop(col), data.pop(col)
    return Dataset.from_dict(data, features=Features(feats))


def _write(tmp_path, name, splits):
    files = {}
    for split, ds in splits.items():
        files[split] = str(tmp_path / f"{name}-{split}.parquet")
        ds.to_parquet(files[split])
    return files


@pytest.fixture(autouse=True)
def _env(tmp_path, monkeypatch):
    monkeypatch.setenv("D2LMINI_DATA", str(tmp_path / "cache"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")


SENT = (["EU", "rejects", "German", "call"], [3, 0, 7, 0])   # ids into CONLL_NAMES


def test_conll2003_from_parquet_takes_label_names_from_the_classlabel(tmp_path, monkeypatch, capsys):
    # a different id order than the usual one: the loader must follow the file, not assume
    shuffled = ["O", "B-MISC", "I-MISC", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC"]
    ids = [shuffled.index(CONLL_NAMES[i]) for i in SENT[1]]
    split = _conll_split([(SENT[0], ids)] * 3, names=shuffled)
    files = _write(tmp_path, "conll", {"train": split, "validation": split, "test": split})
    monkeypatch.setitem(hub.LOCAL_FILES, "conll2003", files)
    d = D.load_ner("conll2003")
    assert d.label_names == shuffled and d.provenance.kind == "real source"
    assert d.train[0] == (SENT[0], ["B-ORG", "O", "B-MISC", "O"])
    assert len(d.train) == len(d.valid) == len(d.test) == 3
    assert "real source 'conll2003'" in capsys.readouterr().out
    # now cached: "auto" takes the cached real source even with the hub switched off
    monkeypatch.delitem(hub.LOCAL_FILES, "conll2003")
    again = D.load_ner()
    assert again.name == "conll2003" and "cached copy" in again.provenance.reason
    assert again.train == d.train and again.provenance.sha256 == d.provenance.sha256


def test_wrong_columns_and_label_sets_are_clear_errors(tmp_path, monkeypatch):
    no_ner = _conll_split([SENT], drop=("ner_tags",))
    monkeypatch.setitem(hub.LOCAL_FILES, "conll2003",
                        _write(tmp_path, "a", {"train": no_ner, "validation": no_ner, "test": no_ner}))
    with pytest.raises(DataError, match=r"column\(s\) \['ner_tags'\] missing") as err:
        D.load_ner("conll2003")
    assert "'conll2003'" in str(err.value) and "how to fix" in str(err.value)

    other = [n.replace("MISC", "DATE") for n in CONLL_NAMES]
    wrong = _conll_split([SENT], names=other)
    monkeypatch.setitem(hub.LOCAL_FILES, "conll2003",
                        _write(tmp_path, "b", {"train": wrong, "validation": wrong, "test": wrong}))
    with pytest.raises(DataError, match="label set .* does not match"):
        D.load_ner("conll2003")

    ok = _conll_split([SENT])
    monkeypatch.setitem(hub.LOCAL_FILES, "conll2003", _write(tmp_path, "c", {"train": ok, "test": ok}))
    with pytest.raises(DataError, match=r"split\(s\) \['validation'\] missing"):
        D.load_ner("conll2003")
    assert hub.cache_status("conll2003") == "missing"      # nothing half-made was cached


def _imdb_split(n, names=("neg", "pos")):
    return Dataset.from_dict({"text": [f"review {i} " + ("great" if i % 2 else "awful") for i in range(n)],
                              "label": [i % 2 for i in range(n)]},
                             features=Features({"text": Value("string"), "label": ClassLabel(names=list(names))}))


def test_imdb_from_parquet_makes_a_seeded_validation_split(tmp_path, monkeypatch):
    files = _write(tmp_path, "imdb", {"train": _imdb_split(100), "test": _imdb_split(40)})
    monkeypatch.setitem(hub.LOCAL_FILES, "imdb", files)
    d = D.load_sentiment("imdb")
    assert d.label_names == ["neg", "pos"]
    assert (len(d.train), len(d.valid), len(d.test)) == (90, 10, 40)
    assert not {t for t, _ in d.train} & {t for t, _ in d.valid}
    assert all(("great" in t) == (y == 1) for t, y in d.train + d.valid + d.test)


def test_imdb_with_other_label_names_is_rejected(tmp_path, monkeypatch):
    files = _write(tmp_path, "imdb2", {"train": _imdb_split(10, ("bad", "good")), "test": _imdb_split(4)})
    monkeypatch.setitem(hub.LOCAL_FILES, "imdb", files)
    with pytest.raises(DataError, match="label set"):
        D.load_sentiment("imdb")


def test_ptb_from_parquet(tmp_path, monkeypatch):
    ds = Dataset.from_dict({"sentence": [" aer banknote berlitz ", "the <unk> company N years", " "]})
    monkeypatch.setitem(hub.LOCAL_FILES, "ptb", _write(tmp_path, "ptb", {"train": ds}))
    c = D.load_word2vec_corpus("ptb")
    assert c.sentences == [["aer", "banknote", "berlitz"], ["the", "<unk>", "company", "N", "years"]]


def test_auto_uses_the_hub_when_reachable_and_falls_back_when_it_fails(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.delenv("HF_DATASETS_OFFLINE")
    monkeypatch.setattr(online, "reachable", lambda url=None, timeout=3.0: (True, "reachable"))
    files = _write(tmp_path, "imdb", {"train": _imdb_split(20), "test": _imdb_split(10)})
    monkeypatch.setitem(hub.LOCAL_FILES, "imdb", files)
    d = D.load_sentiment()
    assert d.name == "imdb" and d.provenance.reason == "downloaded from huggingface.co"

    bad = _conll_split([SENT], drop=("tokens",))
    monkeypatch.setitem(hub.LOCAL_FILES, "conll2003", _write(tmp_path, "bad", {"train": bad}))
    capsys.readouterr()
    d = D.load_ner()
    line = capsys.readouterr().out.strip()
    assert d.name == "wnut16" and "download failed" in line and line.count("\n") == 0


def test_corrupt_hub_cache_is_detected_and_removed(tmp_path, monkeypatch, capsys):
    files = _write(tmp_path, "imdb", {"train": _imdb_split(20), "test": _imdb_split(10)})
    monkeypatch.setitem(hub.LOCAL_FILES, "imdb", files)
    D.load_sentiment("imdb")
    path = D.cache_dir() / "imdb" / hub.CACHE_FILE
    path.write_bytes(path.read_bytes()[:-10])                 # truncated on disk
    assert hub.cache_status("imdb") == "corrupt"
    monkeypatch.delitem(hub.LOCAL_FILES, "imdb")
    capsys.readouterr()
    d = D.load_sentiment()                                    # auto: the corrupt copy is not used
    out = capsys.readouterr().out
    assert d.name == "rotten_tomatoes" and "fails its checksum" in out and "data clean imdb" in out
