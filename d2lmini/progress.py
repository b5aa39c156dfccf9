"""Progress bars for training loops: one small interface, so the display lives in one place.

Training code calls `ProgressBar(total, desc)`, then `update(n, **postfix)` per batch and
`close()` at the end (or uses it as a context manager). In a notebook the bar is an HTML
`<progress>` element replaced in place through a display handle, so a saved notebook
reopens with the bar as it last was (no widget state needed); elsewhere it prints a text
line now and then; with `enabled=False` it shows nothing. `update` is cheap: the display
is redrawn at most a few times per second.
"""
import html
import sys
import time

from .display import LiveDisplay, in_notebook

__all__ = ["ProgressBar", "format_time"]


def format_time(seconds):
    """`75.3` -> `'01:15'`, `3725` -> `'1:02:05'` (the way progress bars print durations)."""
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


def _count(n, unit):
    """Counts of words or tokens get k/M suffixes; batches and epochs stay plain integers."""
    if unit in ("batch", "epoch", "step") or abs(n) < 10_000:
        return f"{n:,.0f}" if float(n).is_integer() else f"{n:,.1f}"
    for scale, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(n) >= scale:
            return f"{n / scale:.1f}{suffix}"
    return str(n)


def _rate(r):
    """`12.345` -> `'12.3'`, `45678.9` -> `'45.7k'`, None -> `'?'`."""
    if r is None:
        return "?"
    if r >= 1e6:
        return f"{r / 1e6:.3g}M"
    if r >= 1e3:
        return f"{r / 1e3:.3g}k"
    return f"{r:.3g}"


def _value(v):
    """Postfix values: floats with 4 significant digits, everything else as str()."""
    return f"{v:.4g}" if isinstance(v, float) else str(v)


class ProgressBar:
    """A bar over `total` units (batches, tokens, words) with a rate and an ETA."""

    def __init__(self, total, desc="", unit="batch", enabled=True, interval=None,
                 clock=time.monotonic, file=None):
        self.total, self.desc, self.unit, self.enabled = total, desc, unit, enabled
        self.n, self.postfix, self.clock = 0, {}, clock
        self.start = clock()
        self.closed = False
        self.notebook = enabled and in_notebook()
        self.file = file or sys.stderr
        # HTML is cheap to replace: 5 redraws/s; text lines would flood a log: one per 10 s.
        default = 0.2 if self.notebook else 10.0
        self._live = LiveDisplay(default if interval is None else interval, clock)
        if enabled:
            self._draw(force=self.notebook)   # an empty bar at once in a notebook

    # -- numbers -----------------------------------------------------------------
    def elapsed(self):
        """Seconds since the bar was created."""
        return self.clock() - self.start

    def rate(self):
        """Units per second so far, or None before any progress."""
        t = self.elapsed()
        return self.n / t if self.n and t > 0 else None

    def eta(self):
        """Estimated seconds left, or None when unknown (no total or no rate yet)."""
        r = self.rate()
        if r is None or not self.total:
            return None
        return max(self.total - self.n, 0) / r

    def text(self):
        """One line: `desc  37/120 batch 31% [00:03<00:07, 12.3 batch/s] loss=2.31`."""
        parts = [self.desc] if self.desc else []
        if self.total:
            parts.append(f"{_count(self.n, self.unit)}/{_count(self.total, self.unit)} "
                         f"{self.unit} {100 * self.n / self.total:.0f}%")
        else:
            parts.append(f"{_count(self.n, self.unit)} {self.unit}")
        r, eta = self.rate(), self.eta()
        timing = format_time(self.elapsed())
        if self.total and not self.closed:
            timing += "<" + (format_time(eta) if eta is not None else "?")
        parts.append(f"[{timing}, {_rate(r)} {self.unit}/s]")
        if self.postfix:
            parts.append(" ".join(f"{k}={_value(v)}" for k, v in self.postfix.items()))
        return " ".join(parts)

    def html(self):
        """The bar as HTML: a `<progress>` element followed by the text line."""
        value = f' value="{self.n}" max="{self.total}"' if self.total else ""
        return (f'<div class="d2lmini-progress"><progress{value} style="width:16em;'
                f'vertical-align:middle"></progress> <code>{html.escape(self.text())}</code></div>')

    # -- the interface training loops use ----------------------------------------
    def update(self, n=1, **postfix):
        """Advance by `n` units; keyword values (e.g. loss=2.31) are shown beside the bar."""
        self.n += n
        if postfix:
            self.postfix.update(postfix)
        if self.enabled and (self.notebook or self._live.due()):
            self._draw()                       # throttled: usually returns at once

    def close(self):
        """Draw the final state once (idempotent)."""
        if self.closed:
            return
        self.closed = True
        if self.enabled:
            self._draw(force=True)
            self._live.flush()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def _draw(self, force=False):
        if self.notebook:
            self._live.show(lambda: {"text/html": self.html(), "text/plain": self.text()},
                            force=force)
        elif force or self._live.due():
            if self.n or self.closed:          # no line for an empty bar
                print(self.text(), file=self.file, flush=True)
            self._live.last = self.clock()
