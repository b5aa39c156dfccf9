"""Deciding between the real source and the embedded default, and saying which in one line.

`choose` is the one place that makes this choice: every loader (and any other loader of a
real-or-default resource, e.g. a model) calls it.
"""
import functools
import os
from urllib.parse import urlsplit

from ..utils import env_flag
from .errors import DataError, UnknownDataset

__all__ = ["HUB_URL", "OFFLINE_VARS", "offline_reason", "reachable", "announce", "describe", "choose"]

HUB_URL = os.environ.get("HF_ENDPOINT", "https://huggingface.co")
OFFLINE_VARS = ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "D2LMINI_OFFLINE")


def offline_reason():
    """Why the network must not be used (an env variable is set), or None if it may be tried."""
    for var in OFFLINE_VARS:
        if env_flag(var):
            return f"{var}=1"
    return None


@functools.lru_cache(maxsize=None)
def _probe(origin, timeout):
    import requests
    try:
        requests.head(origin, timeout=timeout, allow_redirects=False)
        return None
    except requests.RequestException as err:
        return f"{origin} not reachable ({type(err).__name__})"


def reachable(url=HUB_URL, timeout=3.0):
    """Check quickly whether `url`'s server answers: returns (ok, reason). Never touches the
    network when an offline variable is set; remembers the answer for this Python session."""
    why = offline_reason()
    if why:
        return False, f"network not used ({why})"
    parts = urlsplit(url)
    why = _probe(f"{parts.scheme}://{parts.netloc}", timeout)
    return (why is None), (why or f"{parts.netloc} reachable")


def announce(topic, provenance):
    """Print the one line that says which data a loader returned, and why."""
    print(provenance.line(topic), flush=True)


def describe(err):
    """One line about an exception: a DataError's problem, else "Type: message" (shortened)."""
    if isinstance(err, DataError):
        return err.problem
    text = " ".join(str(err).split())
    return f"{type(err).__name__}: {text[:200]}" if text else type(err).__name__


def choose(topic, name, real_name, default_name, load_real, load_default, is_cached, probe_url=HUB_URL):
    """Load the real source or the embedded default by the "auto" rule; print which, and why.

    topic: what is loaded, for the printed line ("NER data"); name: "auto", `real_name` or
    `default_name`; load_real() / load_default(): return an object with a `.provenance`
    (a Provenance); is_cached(): True when a copy of the real source is on disk (load_real()
    then reads it, offline); probe_url: the server load_real() downloads from.

    A name given explicitly is loaded or raises. "auto" takes the cached copy, else downloads
    when `probe_url` answers, else the default; *any* failure of the real path (a DataError,
    an OSError such as a read-only or full disk, a damaged file) falls back to the default,
    and the printed line says what went wrong and how to repair it.
    """
    from dataclasses import replace

    from .cache import repair_hint
    if name not in ("auto", real_name, default_name):
        raise UnknownDataset(topic, name, ("auto", real_name, default_name))
    if name == default_name:
        data, reason = load_default(), "asked for by name"
    elif name == real_name:
        data, reason = load_real(), "asked for by name"
    else:
        data = None
        try:
            cached = is_cached()
        except Exception as err:
            cached, why = None, f"the cache cannot be used ({describe(err)})"
        if cached:
            try:
                data, reason = load_real(), "cached copy of the real source"
            except Exception as err:
                why = f"the cached copy cannot be used ({describe(err)}); to repair it, {repair_hint(real_name)}"
        elif cached is not None:
            ok, why = reachable(probe_url)
            if ok:
                try:
                    data, reason = load_real(), f"downloaded from {urlsplit(probe_url).netloc}"
                except Exception as err:
                    why = f"download failed ({describe(err)})"
        if data is None:
            data, reason = load_default(), f"real source not used: {why}"
    data.provenance = replace(data.provenance, reason=reason)
    announce(topic, data.provenance)
    return data

