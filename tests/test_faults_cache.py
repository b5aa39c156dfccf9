"""Fault injection on the data cache: damaged copies whose checksum matches, read-only and full
file systems, a relative D2LMINI_DATA, and hub files with bad label ids. Each must give a clear
error (forced loads) or the embedded default with a one-line reason (auto), and leave nothing behind."""
import gzip

import pytest
from fault_helpers import (CONLL_NAMES, conll_parquet_with_ids, conll_split, files_under, full_disk,
                           gz_json, imdb_split, read_only, write_cached_payload, write_parquet)

import d2lmini.data as D
from d2lmini.data import DataError, hub, online, registry

SENT = (["EU", "rejects", "German", "call"], [3, 0, 7, 0])
LOADERS = {   # real source -> (auto loader, forced loader, embedded default)
    "conll2003": (D.load_ner, lambda: D.load_ner("conll2003"), "wnut16"),
    "imdb": (D.load_sentiment, lambda: D.load_sentiment("imdb"), "rotten_tomatoes"),
    "ptb": (D.load_word2vec_corpus, lambda: D.load_word2vec_corpus("ptb"), "bbc_news"),
}
# Cached files whose .sha256 matches but whose content is not the dataset.
CORRUPT = {
    "garbage": b"\x00\x01 not gzip at all \xff" * 10,
    "empty": b"",
    "gzipped HTML": gzip.compress(b"<!DOCTYPE html><html><body>Access denied</body></html>"),
    "truncated gzip": gzip.compress(b'{"label_names": ["O"], "train": [[["a"], ["O"]]]}' * 50)[:-30],
    "other schema": gz_json({"label_names": ["neg", "pos"], "train": [["a review", 1]]}),
    "JSON list": gz_json([1, 2, 3]),
}


@pytest.fixture(autouse=True)
def _env(tmp_path, monkeypatch):
    monkeypatch.setenv("D2LMINI_DATA", str(tmp_path / "cache"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")


def _cache():
    return D.cache_dir()


def _conll_files(tmp_path, prefix="ok", rows=(SENT,) * 3):
    split = conll_split(list(rows))
    return write_parquet(tmp_path, prefix, {"train": split, "validation": split, "test": split})


def _hub_reachable(monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.delenv("HF_DATASETS_OFFLINE")
    monkeypatch.setattr(online, "reachable", lambda url=None, timeout=3.0: (True, "reachable"))


@pytest.mark.parametrize("kind", CORRUPT)
@pytest.mark.parametrize("name", LOADERS)
def test_damaged_cache_with_matching_checksum_is_reported_and_never_used(name, kind, capsys):
    auto, forced, default = LOADERS[name]
    path = write_cached_payload(_cache(), name, CORRUPT[kind])
    assert hub.cache_status(name) == "ok"                  # the checksum alone says "fine"

    data = auto()                                          # auto: the default, and why, in one line
    line = capsys.readouterr().out.strip()
    assert data.name == default and line.count("\n") == 0
    assert "cannot be used" in line and f"data fetch {name} --force" in line and f"data clean {name}" in line

    ok, message = registry.verify(registry.get(name))      # verify parses: BAD, with the repair
    assert not ok and "broken" in message and f"data clean {name}" in message

    with pytest.raises(DataError) as err:                  # forced, offline: clear, says how to repair
        forced()
    msg = str(err.value)
    assert "cannot be used" in msg and f"data clean {name}" in msg and "HF_HUB_OFFLINE" in msg
    assert path.read_bytes() == CORRUPT[kind]              # not replaced by something half-made
    assert [p for p in files_under(path.parent) if "part" in p] == []


@pytest.mark.parametrize("payload, problem", [
    ({"label_names": CONLL_NAMES, "train": [[["a"], ["I-DATE"]]], "valid": [], "test": []}, "known tags"),
    ({"label_names": CONLL_NAMES, "train": [[["a", "b"], ["O"]]], "valid": [[["a"], ["O"]]],
      "test": [[["a"], ["O"]]]}, "known tags"),
    ({"label_names": "O B-PER", "train": [], "valid": [], "test": []}, "label_names"),
])
def test_cached_conll_rows_with_bad_tags_are_broken(payload, problem):
    write_cached_payload(_cache(), "conll2003", gz_json(payload))
    with pytest.raises(DataError, match=problem):
        D.load_ner("conll2003")


def test_clean_then_fetch_repairs_a_damaged_copy(tmp_path, monkeypatch, capsys):
    write_cached_payload(_cache(), "conll2003", CORRUPT["garbage"])
    monkeypatch.setitem(hub.LOCAL_FILES, "conll2003", _conll_files(tmp_path))
    d = D.load_ner("conll2003")                            # a forced load repairs it when it can
    assert d.name == "conll2003" and "replaced a broken cached copy" in capsys.readouterr().out
    assert registry.verify(registry.get("conll2003"))[0]
    assert sorted(registry.clean("conll2003")) == ["data.json.gz", "data.json.gz.sha256"]
    assert hub.cache_status("conll2003") == "missing" and registry.clean("timemachine") == []


# --- read-only cache (errno 30) ----------------------------------------------------------------

def test_read_only_cache_with_a_good_copy_still_loads(tmp_path, monkeypatch):
    monkeypatch.setitem(hub.LOCAL_FILES, "conll2003", _conll_files(tmp_path))
    first = D.load_ner("conll2003")
    monkeypatch.delitem(hub.LOCAL_FILES, "conll2003")
    read_only(monkeypatch, _cache())
    assert D.load_ner().train == first.train                # auto reads it without a lock
    assert D.load_ner("conll2003").name == "conll2003"
    assert registry.verify(registry.get("conll2003"))[0]


def test_read_only_cache_forced_load_says_it_cannot_write_not_internet(tmp_path, monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE")                   # the network may be used: the disk is the problem
    monkeypatch.delenv("HF_DATASETS_OFFLINE")
    monkeypatch.setitem(hub.LOCAL_FILES, "conll2003", _conll_files(tmp_path))
    write_cached_payload(_cache(), "imdb", CORRUPT["garbage"])
    read_only(monkeypatch, _cache())
    for call in (lambda: D.load_ner("conll2003"), lambda: D.load_corpus("timemachine")):
        with pytest.raises(DataError) as err:
            call()
        msg = str(err.value)
        assert "cannot be written" in msg and "Errno 30" in msg and "D2LMINI_DATA" in msg
        assert "internet" not in msg
    with pytest.raises(DataError, match="cannot be written"):
        registry.clean("imdb")
    assert (_cache() / "imdb" / "data.json.gz").exists()


def test_read_only_cache_auto_falls_back_with_the_reason(tmp_path, monkeypatch, capsys):
    _hub_reachable(monkeypatch)
    monkeypatch.setitem(hub.LOCAL_FILES, "conll2003", _conll_files(tmp_path))
    _cache().mkdir(parents=True)
    read_only(monkeypatch, _cache())
    d = D.load_ner()
    line = capsys.readouterr().out.strip()
    assert d.name == "wnut16" and "cannot be written" in line and line.count("\n") == 0


def test_read_only_cache_with_a_damaged_copy_falls_back_and_verify_reports(monkeypatch, capsys):
    write_cached_payload(_cache(), "imdb", CORRUPT["gzipped HTML"])
    read_only(monkeypatch, _cache())
    assert D.load_sentiment().name == "rotten_tomatoes"
    assert "data clean imdb" in capsys.readouterr().out
    ok, message = registry.verify(registry.get("imdb"))
    assert not ok and "data clean imdb" in message


# --- full disk (errno 28) ----------------------------------------------------------------------

def test_full_disk_while_caching_leaves_no_part_file(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(hub.LOCAL_FILES, "conll2003", _conll_files(tmp_path, rows=[SENT] * 300))
    folder = _cache() / "conll2003"
    folder.mkdir(parents=True)
    full_disk(monkeypatch, folder, room=64)     # the gzip header fits, the sentences do not
    with pytest.raises(DataError) as err:
        D.load_ner("conll2003")
    assert "is full" in str(err.value) and "Errno 28" in str(err.value) and "free some space" in str(err.value)
    assert files_under(folder) == [".lock"]                  # no part file, no half-written copy
    _hub_reachable(monkeypatch)
    assert D.load_ner().name == "wnut16" and "is full" in capsys.readouterr().out
    assert files_under(folder) == [".lock"]


# --- where the cache is ------------------------------------------------------------------------

def test_relative_d2lmini_data_is_rejected_clearly(monkeypatch, capsys):
    monkeypatch.setenv("D2LMINI_DATA", "data_cache")
    with pytest.raises(DataError, match="relative path") as err:
        D.cache_dir()
    assert "absolute path" in str(err.value)
    assert D.load_ner().name == "wnut16"                     # auto still works, and says why
    assert "relative path" in capsys.readouterr().out
    monkeypatch.setenv("D2LMINI_DATA", "~/d2l-cache")        # ~ is fine
    assert D.cache_dir().is_absolute()


# --- label sanity in hub files -----------------------------------------------------------------

@pytest.mark.parametrize("bad_id", [-1, len(CONLL_NAMES), 99])
def test_conll_tag_ids_out_of_range_are_an_error_not_another_label(tmp_path, monkeypatch, bad_id):
    bad = conll_parquet_with_ids(tmp_path / "bad.parquet", [(["EU", "rejects"], [3, bad_id])] * 2)
    good = _conll_files(tmp_path)
    monkeypatch.setitem(hub.LOCAL_FILES, "conll2003", {**good, "validation": bad})
    with pytest.raises(DataError, match=rf"validation split has label ids \[{bad_id}\] outside 0..8"):
        D.load_ner("conll2003")
    assert hub.cache_status("conll2003") == "missing"       # nothing was cached


def test_splits_with_another_label_order_are_an_error_naming_both(tmp_path, monkeypatch, capsys):
    other = CONLL_NAMES[::-1]
    ids = [other.index(CONLL_NAMES[i]) for i in SENT[1]]
    files = _conll_files(tmp_path)
    files["validation"] = write_parquet(tmp_path, "rev", {"validation": conll_split([(SENT[0], ids)], other)})[
        "validation"]
    monkeypatch.setitem(hub.LOCAL_FILES, "conll2003", files)
    with pytest.raises(DataError) as err:
        D.load_ner("conll2003")
    msg = str(err.value)
    assert "validation split's label names" in msg and str(other) in msg and str(CONLL_NAMES) in msg
    _hub_reachable(monkeypatch)
    assert D.load_ner().name == "wnut16" and hub.cache_status("conll2003") == "missing"

    imdb = write_parquet(tmp_path, "imdb", {"train": imdb_split(10), "test": imdb_split(4, ("pos", "neg"))})
    monkeypatch.setitem(hub.LOCAL_FILES, "imdb", imdb)
    with pytest.raises(DataError, match=r"test split's label names \['pos', 'neg'\] differ"):
        D.load_sentiment("imdb")
