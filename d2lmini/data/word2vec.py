"""Data helpers for skip-gram with negative sampling (chapter 6).

The pipeline: `subsample` frequent words -> map tokens to indices -> `get_centers_and_contexts`
-> `get_negatives` (noise words drawn from unigram^0.75) -> `batchify_sgns` pads minibatches.
Random choices use a numpy Generator; pass `rng` (a Generator or an int seed) to repeat a run,
or leave it None to draw the seed from numpy's global state (set by `d2lmini.set_seed`).
"""
import collections
import math

import numpy as np
import torch

from ..errors import UserError
from ..vocab import Vocab

__all__ = ["as_rng", "keep_probability", "subsample", "get_centers_and_contexts", "noise_weights",
           "NegativeSampler", "get_negatives", "batchify_sgns"]


def _positive_int(name, value):
    """Raise UserError unless `value` is an integer >= 1 (bools and floats are refused)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise UserError(f"{name} must be an integer >= 1, got {value!r}")


def as_rng(rng=None):
    """A numpy Generator from None (seeded from numpy's global state), an int seed, or a Generator."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None:
        return np.random.default_rng(np.random.randint(2**31 - 1))
    return np.random.default_rng(rng)


def keep_probability(count, total, t=1e-4):
    """Probability of keeping one occurrence of a word with `count` of `total` tokens:
    min(1, sqrt(t / f)) with f = count / total (rare words are always kept)."""
    if count <= 0 or total <= 0:
        raise UserError(f"count and total must be positive, got count={count}, total={total}")
    return min(1.0, math.sqrt(t * total / count))


def subsample(sentences, vocab_or_counter, t=1e-4, rng=None):
    """Randomly drop occurrences of frequent words; returns (subsampled sentences, counter).

    sentences: lists of string tokens. With a `Vocab`, tokens the vocabulary maps to <unk> are
    removed first and frequencies are counted on the remaining tokens; with a Counter/dict, its
    counts are the frequencies and tokens missing from it are removed. Each remaining occurrence
    of word w is kept with probability min(1, sqrt(t / f(w))).
    """
    if not t > 0:
        raise UserError(f"the subsampling threshold t must be > 0 (e.g. 1e-4), got {t!r}")
    rng = as_rng(rng)
    if isinstance(vocab_or_counter, Vocab):
        vocab = vocab_or_counter
        sentences = [[tok for tok in s if vocab[tok] != vocab.unk] for s in sentences]
        counter = collections.Counter(tok for s in sentences for tok in s)
    elif isinstance(vocab_or_counter, dict):
        counter = collections.Counter(vocab_or_counter)
        sentences = [[tok for tok in s if counter.get(tok, 0) > 0] for s in sentences]
    else:
        raise TypeError("subsample() needs a Vocab or a Counter of token frequencies as its 2nd argument")
    total = sum(counter.values())
    if total == 0:
        return [[] for _ in sentences], counter
    keep_p = {tok: keep_probability(c, total, t) for tok, c in counter.items()}
    flat = [tok for s in sentences for tok in s]
    keep = rng.random(len(flat)) < np.fromiter((keep_p[tok] for tok in flat), float, len(flat))
    out, pos = [], 0
    for s in sentences:
        out.append([tok for tok, k in zip(s, keep[pos:pos + len(s)]) if k])
        pos += len(s)
    return out, counter


def get_centers_and_contexts(corpus, max_window_size, rng=None):
    """Every position of every sentence (of >= 2 tokens) as a centre, with the tokens within a
    window of random size 1..max_window_size on each side (never the centre's own position).

    corpus: list of sentences of token indices. Returns (centers, contexts): a list of centre
    indices and a list of context-index lists, one per centre.
    """
    _positive_int("max_window_size", max_window_size)
    rng = as_rng(rng)
    centers, contexts = [], []
    for line in corpus:
        n = len(line)
        if n < 2:          # a one-word sentence has no (centre, context) pair
            continue
        windows = rng.integers(1, max_window_size + 1, size=n)
        for i, w in enumerate(windows.tolist()):
            centers.append(line[i])
            contexts.append(list(line[max(0, i - w):i]) + list(line[i + 1:i + 1 + w]))
    return centers, contexts


def noise_weights(vocab, counter, power=0.75):
    """Sampling weight count^power for every vocabulary index (0 for <unk> and unseen tokens)."""
    weights = np.array([counter.get(tok, 0) for tok in vocab.idx_to_token], dtype=float) ** power
    weights[vocab.unk] = 0.0
    if weights.sum() == 0:
        raise ValueError("no token of the vocabulary has a count in `counter`: cannot draw noise words")
    return weights


class NegativeSampler:
    """Draws noise-word indices with probability proportional to `weights`, a block at a time."""

    def __init__(self, weights, rng=None, cache_size=10_000):
        weights = np.asarray(weights, dtype=float)
        if weights.ndim != 1 or len(weights) == 0 or (weights < 0).any() or not weights.sum() > 0:
            raise UserError("noise weights must be a 1-D array of non-negative numbers with a "
                            "positive sum (e.g. from noise_weights(vocab, counter))")
        _positive_int("cache_size", cache_size)
        self.p = weights / weights.sum()
        self.rng = as_rng(rng)
        self.cache_size = cache_size
        self._cache, self._i = np.empty(0, dtype=np.int64), 0

    def sample(self, n):
        """`n` independent draws as a numpy array of indices."""
        return self.rng.choice(len(self.p), size=n, p=self.p)

    def draw(self):
        """One draw (served from a cached block of draws, which is much faster than one by one)."""
        if self._i == len(self._cache):
            self._cache, self._i = self.sample(self.cache_size), 0
        self._i += 1
        return int(self._cache[self._i - 1])


def get_negatives(all_contexts, vocab, counter, K, rng=None, power=0.75, chunk=20_000):
    """K noise words per context word for each centre, drawn from unigram^power and never equal
    to one of that centre's context words. Returns a list of index lists (len K * len(contexts)).
    Vectorised: draws for a chunk of centres at once and redraws only the rejected ones."""
    _positive_int("K", K)
    _positive_int("chunk", chunk)
    sampler = NegativeSampler(noise_weights(vocab, counter, power), rng)
    result = []
    for start in range(0, len(all_contexts), chunk):
        block = all_contexts[start:start + chunk]
        lengths = np.array([len(c) for c in block], dtype=np.int64)
        if lengths.sum() == 0:
            result.extend([] for _ in block)
            continue
        width = int(lengths.max())
        ctx = np.full((len(block), width), -1, dtype=np.int64)      # padded contexts (chunk, width)
        rows = np.repeat(np.arange(len(block)), lengths)
        cols = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        ctx[rows, cols] = np.fromiter((w for c in block for w in c), np.int64, int(lengths.sum()))
        seg = np.repeat(np.arange(len(block)), K * lengths)          # which centre each draw is for
        draws = sampler.sample(len(seg))
        for _ in range(1000):
            bad = (ctx[seg] == draws[:, None]).any(axis=1)           # draw equals a context word
            if not bad.any():
                break
            draws[bad] = sampler.sample(int(bad.sum()))
        else:
            raise RuntimeError("could not draw noise words outside the contexts: is the vocabulary tiny?")
        result.extend(part.tolist() for part in np.split(draws, np.cumsum(K * lengths)[:-1]))
    return result


def batchify_sgns(data, pad_index=0):
    """Collate (center, contexts, negatives) examples into padded tensors.

    Returns centers (B, 1), contexts_negatives (B, L), masks (B, L) with 1 for real entries and
    0 for padding, labels (B, L) with 1 for context words and 0 for noise words and padding;
    L is the longest len(contexts) + len(negatives) in the batch. Padding uses `pad_index`
    (masked out, so any valid index will do).
    """
    data = list(data)
    if not data:
        raise UserError("batchify_sgns() got no examples: give a non-empty list of "
                        "(center, contexts, negatives)")
    if any(len(c) + len(n) == 0 for _, c, n in data):
        raise UserError("an example has no context and no noise word: drop centres with empty "
                        "contexts before batching")
    max_len = max(len(c) + len(n) for _, c, n in data)
    centers, contexts_negatives, masks, labels = [], [], [], []
    for center, context, negative in data:
        cur_len = len(context) + len(negative)
        centers.append([int(center)])
        contexts_negatives.append(list(context) + list(negative) + [pad_index] * (max_len - cur_len))
        masks.append([1] * cur_len + [0] * (max_len - cur_len))
        labels.append([1] * len(context) + [0] * (max_len - len(context)))
    return (torch.tensor(centers), torch.tensor(contexts_negatives),
            torch.tensor(masks), torch.tensor(labels))
