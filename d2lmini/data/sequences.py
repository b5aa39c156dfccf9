"""Minibatches of (input, target) subsequences for language models (chapter 2).

Both iterators take a flat list of token indices and yield `(X, Y)` LongTensors of
shape (batch_size, num_steps), where Y is X shifted left by one token.
"""
import random

import torch

from ..utils import ArgumentError, check_positive_int

__all__ = ["seq_data_iter_random", "seq_data_iter_sequential"]


def _check(corpus, batch_size, num_steps, extra):
    """Validate the arguments; `extra` is how many more tokens the random offset may skip."""
    batch_size = check_positive_int("batch_size", batch_size)
    num_steps = check_positive_int("num_steps", num_steps)
    needed = batch_size * num_steps + extra
    if len(corpus) < needed:
        raise ArgumentError(
            f"the corpus has {len(corpus):,} tokens, too few for one batch of batch_size="
            f"{batch_size} rows of num_steps={num_steps} (at least {needed:,} are needed): "
            "use a smaller batch_size or num_steps, or more text")
    return batch_size, num_steps


def seq_data_iter_random(corpus, batch_size, num_steps, rng=None):
    """Random sampling: each epoch cuts the corpus into non-overlapping subsequences
    at a random offset and serves them in random order. Neighbouring batches are not
    adjacent in the text, so the hidden state must be reset for every batch."""
    batch_size, num_steps = _check(corpus, batch_size, num_steps, extra=num_steps)
    return _random_batches(corpus, batch_size, num_steps, rng or random)


def _random_batches(corpus, batch_size, num_steps, rng):
    corpus = corpus[rng.randint(0, num_steps - 1):]  # random offset: new cuts every epoch
    num_subseqs = (len(corpus) - 1) // num_steps
    starts = list(range(0, num_subseqs * num_steps, num_steps))
    rng.shuffle(starts)
    for i in range(0, batch_size * (num_subseqs // batch_size), batch_size):
        batch = starts[i:i + batch_size]
        X = [corpus[j:j + num_steps] for j in batch]
        Y = [corpus[j + 1:j + 1 + num_steps] for j in batch]
        yield torch.tensor(X), torch.tensor(Y)


def seq_data_iter_sequential(corpus, batch_size, num_steps, rng=None):
    """Sequential partitioning: the corpus is split into `batch_size` long rows and
    read left to right, so row i of batch k+1 continues row i of batch k. The hidden
    state can be carried over between batches (detached from the graph)."""
    batch_size, num_steps = _check(corpus, batch_size, num_steps, extra=num_steps + 1)
    return _sequential_batches(corpus, batch_size, num_steps, rng or random)


def _sequential_batches(corpus, batch_size, num_steps, rng):
    offset = rng.randint(0, num_steps)
    num_tokens = ((len(corpus) - offset - 1) // batch_size) * batch_size
    Xs = torch.tensor(corpus[offset:offset + num_tokens]).reshape(batch_size, -1)
    Ys = torch.tensor(corpus[offset + 1:offset + 1 + num_tokens]).reshape(batch_size, -1)
    for i in range(0, (Xs.shape[1] // num_steps) * num_steps, num_steps):
        yield Xs[:, i:i + num_steps], Ys[:, i:i + num_steps]
