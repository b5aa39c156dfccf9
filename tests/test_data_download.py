"""The download path against a local HTTP server: every failure is clear and leaves no file behind."""
import hashlib
import http.server
import threading
import time

import pytest

from d2lmini.data import DataError
from d2lmini.data.download import UrlSource, download, fetch_url

DATA = b"It was the best of times, it was the worst of times.\n" * 2000
SHA256 = hashlib.sha256(DATA).hexdigest()
SHA1 = hashlib.sha1(DATA).hexdigest()


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def _send(self, body, length=None, ctype="text/plain", status=200):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/good.txt":
            self._send(DATA)
        elif self.path == "/truncated.txt":       # promises all bytes, sends half, hangs up
            self._send(DATA[: len(DATA) // 2], length=len(DATA))
            self.close_connection = True
        elif self.path == "/wrong.txt":
            self._send(DATA.replace(b"best", b"BEST"))
        elif self.path == "/page.html":
            self._send(b"<!DOCTYPE html><html><body>Please log in</body></html>", ctype="text/html")
        elif self.path == "/empty.txt":
            self._send(b"")
        elif self.path == "/slow.txt":
            time.sleep(1.5)
            self._send(DATA)
        else:
            self._send(b"not found", status=404)


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    httpd.handle_error = lambda request, address: None   # the slow handler writes after the client left
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("D2LMINI_DATA", str(tmp_path))
    for var in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "D2LMINI_OFFLINE"):
        monkeypatch.delenv(var, raising=False)


def _only(dest):
    """The files now in dest's folder (no .part leftovers allowed)."""
    return sorted(p.name for p in dest.parent.iterdir()) if dest.parent.exists() else []


def test_good_file_is_verified_and_renamed(server, tmp_path):
    dest = tmp_path / "book" / "good.txt"
    assert download(f"{server}/good.txt", dest, sha256=SHA256, progress=False) == dest
    assert dest.read_bytes() == DATA and _only(dest) == ["good.txt"]


def test_published_sha1_is_accepted(server, tmp_path):
    dest = tmp_path / "book" / "good.txt"
    download(f"{server}/good.txt", dest, sha1=SHA1, progress=False)
    assert dest.read_bytes() == DATA


@pytest.mark.parametrize("path, problem", [
    ("/truncated.txt", "truncated|cut short"),
    ("/wrong.txt", "checksum mismatch"),
    ("/page.html", "HTML page"),
    ("/empty.txt", "empty file"),
    ("/missing.txt", "HTTP 404"),
])
def test_bad_downloads_raise_and_leave_nothing(server, tmp_path, path, problem):
    dest = tmp_path / "book" / "file.txt"
    with pytest.raises(DataError, match=problem) as err:
        download(server + path, dest, sha256=SHA256, retries=1, backoff=0, progress=False, dataset="book")
    msg = str(err.value)
    assert "'book'" in msg and "tried: GET" in msg and "how to fix" in msg
    assert not dest.exists() and _only(dest) == []


def test_slow_server_times_out(server, tmp_path):
    dest = tmp_path / "book" / "slow.txt"
    start = time.perf_counter()
    with pytest.raises(DataError, match="Timeout|timed out") as err:
        download(f"{server}/slow.txt", dest, sha256=SHA256, timeout=0.3, retries=1, backoff=0, progress=False)
    assert "2 attempts" in str(err.value)
    assert time.perf_counter() - start < 3.0 + 1.0
    assert _only(dest) == []


def test_corrupt_cached_file_is_detected_and_replaced(server, capsys):
    src = UrlSource("book", f"{server}/good.txt", "good.txt", sha256=SHA256)
    src.path().parent.mkdir(parents=True)
    src.path().write_bytes(b"garbage from an interrupted copy")
    assert not src.is_cached()
    path = src.fetch(progress=False)
    assert path.read_bytes() == DATA and src.is_cached()
    assert "fails its checksum" in capsys.readouterr().out
    mtime = path.stat().st_mtime_ns
    assert src.fetch(progress=False) == path and path.stat().st_mtime_ns == mtime   # reused, not re-fetched


def test_offline_variable_means_no_download(server, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(DataError, match="network is switched off"):
        fetch_url("book", f"{server}/good.txt", sha256=SHA256)
    with pytest.raises(DataError, match="not in the cache"):
        fetch_url("book", f"{server}/good.txt", sha256=SHA256, allow_download=False)


def test_download_needs_a_checksum(tmp_path):
    with pytest.raises(ValueError, match="sha256"):
        download("http://127.0.0.1:9/x", tmp_path / "x")


def test_load_corpus_auto_downloads_the_book_when_reachable(server, monkeypatch, capsys):
    from d2lmini.data import online, text
    book = (b"*** START OF THE PROJECT GUTENBERG EBOOK THE TIME MACHINE ***\n"
            + b"The Time Traveller smiled.\n" * 400 + b"*** END OF THE PROJECT GUTENBERG EBOOK ***\nlicence\n")
    monkeypatch.setattr(Handler, "extra", {"/book.txt": book}, raising=False)
    monkeypatch.setattr(Handler, "do_GET", _serve_extra(Handler.do_GET))
    monkeypatch.setattr(text, "TIMEMACHINE", UrlSource("timemachine", f"{server}/book.txt", "timemachine.txt",
                                                       sha1=hashlib.sha1(book).hexdigest()))
    monkeypatch.setattr(online, "reachable", lambda url, timeout=3.0: (True, "reachable"))
    c = text.load_corpus()
    line = capsys.readouterr().out
    assert "real source 'timemachine'" in line and "downloaded" in line
    full = c.train + c.valid + c.test
    assert full.startswith("The Time Traveller") and "GUTENBERG" not in full and "licence" not in full
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")                 # cached now: used offline too
    assert text.load_corpus().provenance.reason == "cached copy of the real source"


def _serve_extra(original):
    def do_GET(self):
        body = getattr(Handler, "extra", {}).get(self.path)
        if body is None:
            return original(self)
        self._send(body)
    return do_GET
