"""Progress bars for training loops: one small interface, so the display lives in one place.

Training code calls `ProgressBar(total, desc)`, then `update(n, **postfix)` per batch and
`close()` at the end (or uses it as a context manager).
"""
from tqdm.auto import tqdm

__all__ = ["ProgressBar"]


class ProgressBar:
    """A bar over `total` units (batches, tokens, words) with a rate and an ETA."""

    def __init__(self, total, desc="", unit="batch", enabled=True):
        self.enabled = enabled
        self._bar = tqdm(total=total, desc=desc, unit=unit, leave=False, disable=not enabled,
                         unit_scale=unit not in ("batch", "epoch"))

    def update(self, n=1, **postfix):
        """Advance by `n` units; keyword values (e.g. loss=2.31) are shown beside the bar."""
        self._bar.update(n)
        if postfix:
            self._bar.set_postfix({k: (f"{v:.4g}" if isinstance(v, float) else v)
                                   for k, v in postfix.items()}, refresh=False)

    def close(self):
        self._bar.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False
