"""Safe downloads into the cache: stream, retry, show progress, verify the checksum *after*
the download, and only then rename the temporary file to its final name."""
import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

from ..fileio import atomic_path, sha256_file
from .cache import dataset_path, repair_hint, transaction, write_error
from .errors import DataError

__all__ = ["UrlSource", "download", "fetch_url", "CHUNK", "DEADLINE"]

CHUNK = 1 << 16
DEADLINE = 300.0     # seconds for a whole download, all attempts together


@dataclass
class UrlSource:
    """A file on the web with a known checksum (sha256, or a published sha1 when that is all there is)."""

    name: str
    url: str
    filename: str
    sha256: str = None
    sha1: str = None

    def path(self):
        """Where the verified file lives in the cache."""
        return dataset_path(self.name, self.filename)

    def is_cached(self):
        """True if the file is in the cache and its checksum matches."""
        path = self.path()
        return path.is_file() and _hash_ok(path, self.sha256, self.sha1)

    def fetch(self, download=True, **kwargs):
        """Return the verified cached file, downloading it first if needed."""
        return fetch_url(self.name, self.url, self.filename, sha256=self.sha256, sha1=self.sha1,
                         allow_download=download, **kwargs)


def _digest(path, algorithm):
    if algorithm == "sha256":
        return sha256_file(path)
    with open(path, "rb") as f:                  # sha1: only for a published SHA-1
        return hashlib.file_digest(f, algorithm).hexdigest()


def _hash_ok(path, sha256=None, sha1=None):
    if sha256 and _digest(path, "sha256") != sha256.lower():
        return False
    if sha1 and _digest(path, "sha1") != sha1.lower():
        return False
    return True


def _looks_like_html(path):
    with open(path, "rb") as f:
        head = f.read(1024).lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<?xml")) or b"<html" in head[:200]


class _Retry(Exception):
    """A failure worth another attempt (network error, 5xx, truncated body)."""


def _stream(url, part, dataset, timeout, end, progress):
    """GET `url` into the file `part` before the monotonic time `end`; returns (received, expected)."""
    import requests
    import urllib3
    from ..progress import ProgressBar
    left = max(0.01, end - time.monotonic())
    try:
        with requests.get(url, stream=True, timeout=min(timeout, left)) as resp:
            if resp.status_code >= 400:
                problem = f"the server answered HTTP {resp.status_code} for {url}"
                if resp.status_code < 500:
                    raise DataError(dataset, problem, tried=f"GET {url}",
                                    fix="the file may have moved: check the URL in DATA.md")
                raise _Retry(problem)
            expected = resp.headers.get("Content-Length")
            expected = int(expected) if expected and expected.isdigit() else None
            received = 0
            with open(part, "wb") as f, ProgressBar(expected, desc=dataset, unit="B",
                                                     enabled=progress) as bar:
                # read1 returns what has arrived (a server sending a byte at a time cannot hold
                # one read open for ever), so the deadline is checked after every piece.
                while chunk := resp.raw.read1(CHUNK, decode_content=True):
                    f.write(chunk)
                    received += len(chunk)
                    bar.update(len(chunk))
                    if time.monotonic() > end:
                        raise DataError(dataset, f"the download did not finish within its deadline "
                                        f"(got {received:,} of {expected or '?'} bytes from {url})",
                                        tried=f"GET {url}",
                                        fix="the server or the network is very slow: try again later or "
                                            "from another network; name='auto' uses the embedded default")
            return received, expected
    except (requests.ConnectionError, requests.Timeout, urllib3.exceptions.TimeoutError) as err:
        raise _Retry(f"{type(err).__name__}: {err}") from None
    except (requests.exceptions.ChunkedEncodingError, urllib3.exceptions.ProtocolError) as err:
        raise _Retry(f"the download was cut short ({err})") from None
    except urllib3.exceptions.HTTPError as err:
        raise _Retry(f"{type(err).__name__}: {err}") from None
    except requests.RequestException as err:
        raise DataError(dataset, f"the request for {url} failed: {type(err).__name__}: {err}",
                        tried=f"GET {url}", fix="check the URL in DATA.md") from None


def download(url, dest, sha256=None, sha1=None, dataset=None, timeout=10.0, retries=2,
             progress=True, backoff=0.5, deadline=DEADLINE):
    """Download `url` to `dest` and verify it; on any failure no file is left at `dest`.

    The body is streamed into a temp file beside `dest` (a name unique to this writer),
    checked (not empty, not truncated, not an HTML page, right checksum) and only then
    renamed. Connection errors, time-outs, truncated bodies and 5xx answers are retried
    `retries` times; a 404 or a wrong checksum is not. `timeout` bounds each network read,
    `deadline` the whole download (all attempts).
    """
    if not (sha256 or sha1):
        raise ValueError("download() needs sha256= or sha1= so that the file can be verified")
    dataset = dataset or Path(dest).name
    dest = Path(dest)
    fix_net = ("check your internet connection (or proxy settings) and try again later; "
               "name='auto' uses the embedded default")
    end = time.monotonic() + deadline
    last = None
    for attempt in range(retries + 1):
        if attempt:
            time.sleep(min(backoff * attempt, max(0.0, end - time.monotonic())))
        if time.monotonic() >= end:
            last = f"{last}; then the deadline of {deadline:g} s passed" if last else "the deadline passed"
            break
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            with atomic_path(dest) as part:
                received, expected = _stream(url, part, dataset, timeout, end, progress)
                if received == 0:
                    raise DataError(dataset, f"the server sent an empty file for {url}", tried=f"GET {url}",
                                    fix=fix_net)
                if expected is not None and received < expected:
                    raise _Retry(f"truncated download: got {received:,} of {expected:,} bytes")
                if _looks_like_html(part):
                    raise DataError(dataset, f"the server sent an HTML page instead of the data file ({url})",
                                    tried=f"GET {url}",
                                    fix="a proxy, login page or error page answered: open the URL in a "
                                        "browser, or download the file by hand into " + str(dest.parent))
                if not _hash_ok(part, sha256, sha1):
                    algo, want = ("sha256", sha256) if sha256 else ("sha1", sha1)
                    raise DataError(dataset, f"checksum mismatch: {algo} of the downloaded file is "
                                    f"{_digest(part, algo)}, expected {want}", tried=f"GET {url}",
                                    fix="the file on the server changed or was corrupted; try again later, "
                                        "or report it to the course maintainers")
            return dest
        except _Retry as err:
            last = str(err)
        except OSError as err:                 # writing the file: read-only, full disk, ...
            raise write_error(dataset, dest.parent, err) from err
    tries = f"{attempt + 1} attempt" + ("s" if attempt else "")
    raise DataError(dataset, f"download failed after {tries}: {last}",
                    tried=f"GET {url} (timeout {timeout:g} s per read, {deadline:g} s in all)", fix=fix_net)


def fetch_url(dataset, url, filename=None, sha256=None, sha1=None, allow_download=True, **kwargs):
    """The verified cache copy of `url` for `dataset`: reuse it if it verifies, replace it if it
    is corrupt, download it if missing (unless allow_download=False, which raises instead).

    Reading a good copy needs no lock (nor a writable cache); downloading and replacing
    happen under the dataset's cache lock, so concurrent callers download it once."""
    from .online import offline_reason
    dest = dataset_path(dataset, filename or url.rsplit("/", 1)[-1])
    if dest.is_file() and _hash_ok(dest, sha256, sha1):
        return dest
    if not allow_download:
        if dest.is_file():
            raise DataError(dataset, f"cached file {dest} fails its checksum", tried=str(dest),
                            fix=repair_hint(dataset))
        raise DataError(dataset, "not in the cache", tried=str(dest),
                        fix=f"run `d2lmini data fetch {dataset}` with internet access")
    why = offline_reason()
    if why:      # checked before the lock: an offline call leaves no folder behind
        broken = f"cached file {dest} fails its checksum and " if dest.is_file() else ""
        raise DataError(dataset, f"{broken}it must be downloaded but the network is switched off ({why})",
                        tried=url, fix=f"unset {why.split('=')[0]} to allow the download, "
                                       "or use the embedded default (name='auto')"
                                       + (f"; or {repair_hint(dataset)}" if broken else ""))
    with transaction(dataset):
        if dest.is_file():
            if _hash_ok(dest, sha256, sha1):           # another process just downloaded it
                return dest
            print(f"[d2lmini] {dataset}: cached file {dest} fails its checksum; downloading it again",
                  flush=True)
        return download(url, dest, sha256=sha256, sha1=sha1, dataset=dataset, **kwargs)
