"""Length-bucketed tagging batches: sentences of similar length share a batch, so a packed
recurrent layer runs few steps per batch and little of each batch is padding."""
import random

from .tagging import pad_tagging_batch

__all__ = ["BucketBatches", "padding_share"]


class BucketBatches:
    """Iterable of padded `(tokens (B,T), tags (B,T), lengths (B,))` batches.

    The encoded sentences are sorted by length and cut into batches of `batch_size`
    neighbours; every pass over the object yields the batches in a new order drawn from
    `random.Random(seed)` (the same sequence of orders for the same seed), so the model
    does not see short sentences first and long ones last.
    """

    def __init__(self, encoded, pad_index, batch_size=32, seed=0, ignore_index=-100):
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        if not encoded:
            raise ValueError("BucketBatches got no sentences")
        order = sorted(range(len(encoded)), key=lambda i: (len(encoded[i][0]), i))
        self.batches = [pad_tagging_batch([encoded[i] for i in order[k:k + batch_size]],
                                          pad_index, ignore_index)
                        for k in range(0, len(order), batch_size)]
        self._rng = random.Random(seed)

    def __len__(self):
        return len(self.batches)

    def __iter__(self):
        order = list(range(len(self.batches)))
        self._rng.shuffle(order)
        return iter([self.batches[i] for i in order])


def padding_share(batches):
    """Fraction of the positions of `batches` that are padding (0 = none)."""
    total = real = 0
    for tokens, _, lengths in batches:
        total, real = total + tokens.numel(), real + int(lengths.sum())
    return 1 - real / total if total else 0.0
