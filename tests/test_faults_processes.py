"""The cache under concurrent and killed processes, and downloads from a dripping server or onto
a full disk: every process succeeds or fails clearly, and no part file outlives its writer."""
import hashlib
import multiprocessing
import time

import pytest
from fault_helpers import (CORRUPT_BYTES, conll_split, files_under, full_disk, serve, write_cached_payload,
                           write_parquet)

import d2lmini.data as D
from d2lmini.data import DataError, cache, hub, ner, registry, text
from d2lmini.data.download import UrlSource, download, fetch_url

BODY = b"The Time Traveller (for so it will be convenient to speak of him) was expounding.\n" * 60
SHA1 = hashlib.sha1(BODY).hexdigest()
SHA256 = hashlib.sha256(BODY).hexdigest()
FORK = multiprocessing.get_context("fork")


@pytest.fixture(scope="module")
def server():
    url, stop = serve({"/book.txt": (BODY, 0, None), "/drip.txt": (BODY, 0.05, 400)})
    yield url
    stop()


@pytest.fixture(autouse=True)
def _env(tmp_path, monkeypatch):
    monkeypatch.setenv("D2LMINI_DATA", str(tmp_path / "cache"))
    for var in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "D2LMINI_OFFLINE"):
        monkeypatch.delenv(var, raising=False)


def test_dripping_server_hits_the_total_deadline(server, tmp_path):
    dest = tmp_path / "cache" / "book" / "book.txt"
    start = time.monotonic()
    with pytest.raises(DataError, match="did not finish within its deadline") as err:
        download(f"{server}/drip.txt", dest, sha256=SHA256, timeout=5, deadline=0.6, retries=2,
                 backoff=0, progress=False, dataset="book")
    assert time.monotonic() - start < 3.0                # one byte / 0.05 s never trips the 5 s read timeout
    assert "how to fix" in str(err.value) and files_under(dest.parent) == []


def test_full_disk_during_a_download_leaves_no_part_file(server, monkeypatch):
    folder = D.cache_dir() / "book"
    folder.mkdir(parents=True)
    full_disk(monkeypatch, folder, room=1000)
    with pytest.raises(DataError, match="is full") as err:
        fetch_url("book", f"{server}/book.txt", sha256=SHA256, progress=False)
    assert "Errno 28" in str(err.value)
    assert files_under(folder) == [".lock"]


def _fetch_timemachine():
    import contextlib
    import io
    with contextlib.redirect_stdout(io.StringIO()):
        text.TIMEMACHINE.fetch(progress=False)


def _wait_for_part(folder, seconds=20):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if cache.stale_parts(folder):                      # the child is mid-download
            time.sleep(0.2)
            return
        time.sleep(0.02)
    raise AssertionError(f"no part file appeared in {folder}")


def test_a_killed_download_leaves_nothing_that_retry_or_verify_ignore(server, monkeypatch):
    folder = D.cache_dir() / "timemachine"
    monkeypatch.setattr(text, "TIMEMACHINE", UrlSource("timemachine", f"{server}/drip.txt", "timemachine.txt",
                                                       sha1=SHA1))
    for repair in ("verify", "retry"):
        child = FORK.Process(target=_fetch_timemachine)
        child.start()
        _wait_for_part(folder)
        child.kill()                                       # SIGKILL: no finally, no cleanup
        child.join(10)
        assert child.exitcode == -9 and cache.stale_parts(folder)
        if repair == "verify":
            ok, message = registry.verify(registry.get("timemachine"))
            assert ok and "removed part files" in message
        else:
            monkeypatch.setattr(text.TIMEMACHINE, "url", f"{server}/book.txt")
            assert text.TIMEMACHINE.fetch(progress=False).read_bytes() == BODY
        assert cache.stale_parts(folder) == []


def test_a_held_lock_times_out_with_a_clear_error(server, monkeypatch):
    import filelock
    monkeypatch.setattr(cache, "LOCK_TIMEOUT", 0.2)
    folder = D.cache_dir() / "book"
    folder.mkdir(parents=True)
    with filelock.FileLock(str(folder / cache.LOCK_FILE)):
        with pytest.raises(DataError, match="another process has held the cache lock"):
            fetch_url("book", f"{server}/book.txt", sha256=SHA256, progress=False)
    assert fetch_url("book", f"{server}/book.txt", sha256=SHA256, progress=False).read_bytes() == BODY


def _load_conll(barrier, log):
    import contextlib
    import io
    barrier.wait(10)
    with contextlib.redirect_stdout(io.StringIO()):
        d = D.load_ner("conll2003")
    assert d.name == "conll2003" and len(d.train) == 50


def _run_four(target, *args):
    barrier = FORK.Barrier(4)
    procs = [FORK.Process(target=target, args=(barrier, *args)) for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    return [p.exitcode for p in procs]


def test_four_processes_loading_at_once_all_succeed_and_fetch_once(tmp_path, monkeypatch):
    split = conll_split([(["EU", "rejects", "German", "call"], [3, 0, 7, 0])] * 50)
    monkeypatch.setitem(hub.LOCAL_FILES, "conll2003",
                        write_parquet(tmp_path, "c", {"train": split, "validation": split, "test": split}))
    log = tmp_path / "fetches.log"
    real_fetch = ner._conll2003_fetch

    def counted_fetch():
        with open(log, "a") as f:
            f.write("fetch\n")
        time.sleep(0.3)                                     # widen the window for a race
        return real_fetch()
    monkeypatch.setattr(ner, "_conll2003_fetch", counted_fetch)
    folder = D.cache_dir() / "conll2003"
    for round_ in ("first load", "repair of a damaged copy"):
        if round_ != "first load":
            write_cached_payload(D.cache_dir(), "conll2003", CORRUPT_BYTES)
            log.unlink()
        assert _run_four(_load_conll, log) == [0, 0, 0, 0], round_
        assert log.read_text() == "fetch\n", round_         # one process fetched, three waited and read
        assert files_under(folder) == [".lock", "data.json.gz", "data.json.gz.sha256"]
