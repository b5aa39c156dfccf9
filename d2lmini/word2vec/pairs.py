"""From sentences to training material with NumPy: word ids, subsampling, window pairs, noise words.

Used by the batched trainer (`d2lmini.word2vec.batched`); the compiled trainer does the same
steps inside its loop, word by word.
"""
import numpy as np
import torch

__all__ = ["corpus_to_ids", "keep_probabilities", "window_pairs", "NoiseTable", "noise_cum_table",
           "sentence_starts", "noise_alias_table"]


def corpus_to_ids(sentences, vocab):
    """Flatten tokenised sentences to (ids, sentence_ids) arrays, dropping out-of-vocabulary words."""
    if isinstance(sentences, str) or (sentences and isinstance(sentences[0], str)):
        raise TypeError("sentences must be a list of token lists, e.g. [['the', 'cat'], ...]")
    lookup, unk = vocab.token_to_idx, vocab.unk
    ids = np.fromiter((lookup.get(t, unk) for s in sentences for t in s), dtype=np.int64)
    lengths = np.fromiter((len(s) for s in sentences), dtype=np.int64, count=len(sentences))
    sent_ids = np.repeat(np.arange(len(sentences)), lengths)
    keep = ids != unk                                      # rare words (<unk>) are dropped
    return ids[keep], sent_ids[keep]


def sentence_starts(sent_ids):
    """Where each sentence begins in the flat id array, plus its end: (S + 1,) int64 offsets."""
    cuts = np.flatnonzero(np.diff(sent_ids)) + 1
    return np.concatenate([[0], cuts, [len(sent_ids)]]).astype(np.int64)


def keep_probabilities(counts, sample):
    """Probability of keeping each word under gensim's subsampling rule (1 for rare words).

    With f the word's share of the corpus: p = (sqrt(f / sample) + 1) * sample / f, capped at 1.
    """
    counts = np.asarray(counts, dtype=np.float64)
    if sample <= 0:
        return np.ones_like(counts)
    f = counts / counts.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        p = (np.sqrt(f / sample) + 1) * sample / f
    return np.where(counts > 0, np.minimum(p, 1.0), 0.0)


def window_pairs(ids, sent_ids, window, rng):
    """All (centre, context) pairs, in corpus order, with a random window size per centre.

    ids, sent_ids: (N,) arrays. Each centre draws its window size uniformly from 1..window
    (word2vec's "reduced window"); pairs never cross a sentence boundary.
    Returns centres (P,), contexts (P,).
    """
    n = len(ids)
    eff = rng.integers(1, window + 1, size=n)              # (N,) window size of each centre
    ctx = np.zeros((n, 2 * window), dtype=ids.dtype)       # (N, 2W): left then right neighbours
    ok = np.zeros((n, 2 * window), dtype=bool)
    for d in range(1, window + 1):
        same = sent_ids[d:] == sent_ids[:-d]
        # right neighbour at distance d of centre i is i + d
        ok[:-d, window + d - 1] = same & (eff[:-d] >= d)
        ctx[:-d, window + d - 1] = ids[d:]
        # left neighbour at distance d of centre i is i - d
        ok[d:, window - d] = same & (eff[d:] >= d)
        ctx[d:, window - d] = ids[:-d]
    centres = np.broadcast_to(ids[:, None], ok.shape)[ok]  # row-major: corpus order
    return centres, ctx[ok]


class NoiseTable:
    """Draws noise words from unigram ** 0.75 with one integer draw per word (gensim's table trick)."""

    def __init__(self, counts, exponent=0.75, size=None):
        weights = np.asarray(counts, dtype=np.float64) ** exponent
        size = size or min(2_000_000, 1000 * len(weights))     # ~1000 slots per word on average
        weights[np.asarray(counts) == 0] = 0.0
        if weights.sum() <= 0:
            raise ValueError("no word has a positive count: cannot build a noise distribution")
        self.probs = weights / weights.sum()
        # word i fills a share probs[i] of the table
        ends = np.round(np.cumsum(self.probs) * size).astype(np.int64)
        reps = np.diff(np.concatenate([[0], ends]))
        self.table = torch.from_numpy(np.repeat(np.arange(len(weights)), reps))

    def draw(self, shape, generator=None):
        """Noise word indices of the given shape (a torch int64 tensor)."""
        pos = torch.randint(len(self.table), shape, generator=generator, device=self.table.device)
        return self.table[pos]


def noise_cum_table(counts, exponent=0.75, domain=2**31 - 1):
    """gensim's noise table: cumulative count ** exponent scaled to `domain`, (V,) int64.

    A uniform integer r in [0, domain) picks the word i with table[i - 1] <= r < table[i]
    (a binary search), so every word, however rare, gets exactly its share: no slots to round.
    """
    weights = np.asarray(counts, dtype=np.float64) ** exponent
    weights[np.asarray(counts) == 0] = 0.0
    if weights.sum() <= 0:
        raise ValueError("no word has a positive count: cannot build a noise distribution")
    return np.round(np.cumsum(weights) / weights.sum() * domain).astype(np.int64)


def noise_alias_table(counts, exponent=0.75):
    """Walker's alias table for drawing noise words from count ** exponent in O(1).

    Returns (prob (V,) float64, alias (V,) int64): draw a column k uniformly, then keep k with
    probability prob[k], else take alias[k]. Exact shares, like `noise_cum_table`, but one
    draw reads two small arrays instead of a binary search (Vose's construction).
    """
    weights = np.asarray(counts, dtype=np.float64) ** exponent
    weights[np.asarray(counts) == 0] = 0.0
    if weights.sum() <= 0:
        raise ValueError("no word has a positive count: cannot build a noise distribution")
    n = len(weights)
    scaled = weights * n / weights.sum()                 # mean 1: columns hold 1 unit each
    prob, alias = np.ones(n), np.arange(n)
    small = [i for i in range(n) if scaled[i] < 1.0]
    large = [i for i in range(n) if scaled[i] >= 1.0]
    while small and large:
        s, g = small.pop(), large.pop()
        prob[s], alias[s] = scaled[s], g                 # column s: s with scaled[s], rest g
        scaled[g] -= 1.0 - scaled[s]
        (small if scaled[g] < 1.0 else large).append(g)
    # columns left over hold 1 unit up to rounding; a word of weight 0 must never be drawn
    prob[weights == 0], alias[weights == 0] = 0.0, int(np.argmax(weights))
    return prob, alias.astype(np.int64)
