"""Deciding between the real source and the embedded default, and saying which in one line."""
import functools
import os
from urllib.parse import urlsplit

HUB_URL = os.environ.get("HF_ENDPOINT", "https://huggingface.co")
_TRUE = {"1", "true", "yes", "on"}


def offline_reason():
    """Why the network must not be used (an env variable is set), or None if it may be tried."""
    for var in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "D2LMINI_OFFLINE"):
        if os.environ.get(var, "").strip().lower() in _TRUE:
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


def choose(topic, name, real_name, default_name, load_real, load_default, is_cached):
    """Run the "auto" rule and return the loaded dataset with its reason filled in.

    name == default_name or real_name forces that path; "auto" takes the real source when it is
    cached or reachable, else the embedded default. `load_real()` / `load_default()` return a
    dataset object with a `provenance`; `is_cached()` says whether the real one is already local.
    """
    from dataclasses import replace

    from .errors import DataError
    if name not in ("auto", real_name, default_name):
        raise ValueError(f"unknown {topic} dataset {name!r}: use 'auto', {real_name!r} or {default_name!r}")
    if name == default_name:
        data, reason = load_default(), "asked for by name"
    elif name == real_name:
        data, reason = load_real(), "asked for by name"
    elif is_cached():
        data, reason = load_real(), "cached copy of the real source"
    else:
        ok, why = reachable(HUB_URL)
        data = None
        if ok:
            try:
                data, reason = load_real(), "downloaded from the hub"
            except DataError as err:
                why = f"hub load failed ({err.problem})"
        if data is None:
            data, reason = load_default(), f"hub not used: {why}"
    data.provenance = replace(data.provenance, reason=reason)
    announce(topic, data.provenance)
    return data
