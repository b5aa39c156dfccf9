"""Safe downloads into the cache: stream, retry, show progress, verify the checksum *after*
the download, and only then rename the temporary file to its final name."""
import os
import time
from dataclasses import dataclass
from pathlib import Path

from .cache import dataset_path, file_hash
from .errors import DataError

CHUNK = 1 << 16


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


def _hash_ok(path, sha256=None, sha1=None):
    if sha256 and file_hash(path, "sha256") != sha256.lower():
        return False
    if sha1 and file_hash(path, "sha1") != sha1.lower():
        return False
    return True


def _looks_like_html(path):
    with open(path, "rb") as f:
        head = f.read(1024).lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<?xml")) or b"<html" in head[:200]


def download(url, dest, sha256=None, sha1=None, dataset=None, timeout=10.0, retries=2,
             progress=True, backoff=0.5):
    """Download `url` to `dest` and verify it; on any failure no file is left at `dest`.

    The body is streamed into `dest` + ".part", checked (not empty, not truncated, not an
    HTML page, right checksum) and only then renamed. Connection errors, time-outs,
    truncated bodies and 5xx answers are retried `retries` times; a 404 or a wrong checksum is not.
    """
    import requests
    from tqdm.auto import tqdm

    if not (sha256 or sha1):
        raise ValueError("download() needs sha256= or sha1= so that the file can be verified")
    dataset = dataset or Path(dest).name
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + f".part{os.getpid()}")
    fix_net = "check your internet connection and run `d2lmini data fetch {0}` again, or use the embedded default"
    last = None
    for attempt in range(retries + 1):
        if attempt:
            time.sleep(backoff * attempt)
        try:
            try:
                with requests.get(url, stream=True, timeout=timeout) as resp:
                    if resp.status_code >= 400:
                        problem = f"the server answered HTTP {resp.status_code} for {url}"
                        if resp.status_code < 500:
                            raise DataError(dataset, problem, tried=f"GET {url}",
                                            fix="the file may have moved: check the URL in DATA.md")
                        last = problem
                        continue
                    expected = resp.headers.get("Content-Length")
                    expected = int(expected) if expected and expected.isdigit() else None
                    received = 0
                    with open(part, "wb") as f, tqdm(total=expected, unit="B", unit_scale=True,
                                                      desc=dataset, disable=not progress,
                                                      leave=False) as bar:
                        for chunk in resp.iter_content(CHUNK):
                            f.write(chunk)
                            received += len(chunk)
                            bar.update(len(chunk))
            except (requests.ConnectionError, requests.Timeout) as err:
                last = f"{type(err).__name__}: {err}"
                continue
            except requests.exceptions.ChunkedEncodingError as err:
                last = f"the download was cut short ({err})"
                continue
            if received == 0:
                raise DataError(dataset, f"the server sent an empty file for {url}", tried=f"GET {url}",
                                fix=fix_net.format(dataset))
            if expected is not None and received < expected:
                last = f"truncated download: got {received:,} of {expected:,} bytes"
                continue
            if _looks_like_html(part):
                raise DataError(dataset, f"the server sent an HTML page instead of the data file ({url})",
                                tried=f"GET {url}",
                                fix="a proxy, login page or error page answered: open the URL in a "
                                    "browser, or download the file by hand into " + str(dest.parent))
            if not _hash_ok(part, sha256, sha1):
                algo, want = ("sha256", sha256) if sha256 else ("sha1", sha1)
                raise DataError(dataset, f"checksum mismatch: {algo} of the downloaded file is "
                                f"{file_hash(part, algo)}, expected {want}", tried=f"GET {url}",
                                fix="the file on the server changed or was corrupted; try again later, "
                                    "or report it to the course maintainers")
            os.replace(part, dest)
            return dest
        finally:
            if part.exists():
                part.unlink()
    raise DataError(dataset, f"download failed after {retries + 1} attempts: {last}",
                    tried=f"GET {url} (timeout {timeout} s)", fix=fix_net.format(dataset))


def fetch_url(dataset, url, filename=None, sha256=None, sha1=None, allow_download=True, **kwargs):
    """The verified cache copy of `url` for `dataset`: reuse it if it verifies, replace it if it
    is corrupt, download it if missing (unless allow_download=False, which raises instead)."""
    from .online import offline_reason
    dest = dataset_path(dataset, filename or url.rsplit("/", 1)[-1])
    if dest.is_file():
        if _hash_ok(dest, sha256, sha1):
            return dest
        print(f"[d2lmini] {dataset}: cached file {dest} fails its checksum; removing it and downloading again",
              flush=True)
        dest.unlink()
    if not allow_download:
        raise DataError(dataset, "not in the cache", tried=str(dest),
                        fix=f"run `d2lmini data fetch {dataset}` with internet access")
    why = offline_reason()
    if why:
        raise DataError(dataset, f"it must be downloaded but the network is switched off ({why})",
                        tried=url, fix=f"unset that variable and run `d2lmini data fetch {dataset}`, "
                                      "or use the embedded default (name='auto')")
    return download(url, dest, sha256=sha256, sha1=sha1, dataset=dataset, **kwargs)
