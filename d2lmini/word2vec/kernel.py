"""The compiled inner loop of the fast trainer: gensim's skip-gram update, one pair at a time.

This is the loop of the original C tool and of gensim, compiled by numba: walk the sentences,
subsample, draw a window size per centre, and for each (centre, context) pair take one SGD
step on the pair's K + 1 scores before the next pair. One step at a time is what keeps the
quality: a frequent word's vector moves after every pair, instead of summing thousands of
steps computed from the same stale vector (what a large batch does). `nogil=True` lets
several Python threads run it at once on different pieces of the corpus, updating the same
tables without locks (Hogwild, as gensim's workers do).
"""
import math

import numba
import numpy as np

__all__ = ["sgns_piece", "MAX_EXP"]

MAX_EXP = 6.0          # gensim's (and the C tool's) cut-off: no step when |score| >= 6


@numba.njit(nogil=True, cache=True, inline="always")
def _next(state):
    """splitmix64: (new state, 64 random bits). Fast, and unlike the C tool's linear
    congruential generator its consecutive outputs are not correlated (an alias draw needs
    two independent numbers: with the LCG the noise words came out skewed)."""
    state = state + np.uint64(0x9E3779B97F4A7C15)
    z = state
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return state, z ^ (z >> np.uint64(31))


@numba.njit(nogil=True, fastmath=True, cache=True)
def sgns_piece(ids, starts, syn0, syn1, noise_prob, noise_alias, keep_p, window, negative, lr,
               seed, share, buf):
    """Train on the sentences ids[starts[s]:starts[s + 1]] (one piece of the corpus), in place.

    For every kept word i and every context word j of its reduced window, the input vector
    syn0[ids[j]] predicts the output word ids[i] (label 1) and `negative` noise words
    (label 0), with plain SGD at rate lr. share=True draws the noise words once per centre
    and reuses them for its whole window (pWord2Vec); False draws fresh ones per pair (gensim).
    ids: (N,) word ids; starts: (S + 1,) sentence offsets into ids; syn0, syn1: (V, d) float32
    tables (centre / input and context / output), updated in place; noise_prob, noise_alias:
    (V,) from `noise_alias_table`; keep_p: (V,) subsampling keep probabilities; buf: int32 scratch array
    at least as long as the longest sentence. Returns (summed loss, number of pairs).
    """
    d = syn0.shape[1]
    state = np.uint64(seed) * np.uint64(6364136223846793005) + np.uint64(1442695040888963407)
    low32 = np.uint64(0xFFFFFFFF)
    n_words = np.uint64(len(noise_prob))
    neu1e = np.zeros(d, dtype=np.float32)
    negs = np.zeros(negative, dtype=np.int64)
    loss, pairs = 0.0, 0
    for s in range(len(starts) - 1):
        n = 0                                    # subsample this sentence into buf[:n]
        for p in range(starts[s], starts[s + 1]):
            w = ids[p]
            state, r = _next(state)
            if keep_p[w] >= (r & low32) / 4294967296.0:
                buf[n] = w
                n += 1
        for i in range(n):
            word = buf[i]
            state, r = _next(state)
            b = np.int64((r >> np.uint64(32)) % np.uint64(window))   # window size: window - b
            lo, hi = max(0, i - window + b), min(n, i + window + 1 - b)
            if share:
                for k in range(negative):
                    state, r = _next(state)                     # alias method: a column,
                    col = np.int64((r >> np.uint64(32)) % n_words)  # then a coin
                    coin = (r & low32) / 4294967296.0
                    negs[k] = col if coin < noise_prob[col] else noise_alias[col]
            for j in range(lo, hi):
                if j == i:
                    continue
                l1 = buf[j]
                for c in range(d):
                    neu1e[c] = 0.0
                for k in range(negative + 1):
                    if k == 0:
                        target, label = word, 1.0
                    else:
                        if share:
                            target = negs[k - 1]
                        else:
                            state, r = _next(state)
                            col = np.int64((r >> np.uint64(32)) % n_words)
                            coin = (r & low32) / 4294967296.0
                            target = col if coin < noise_prob[col] else noise_alias[col]
                        if target == word:
                            continue
                        label = 0.0
                    f = np.float32(0.0)
                    for c in range(d):
                        f += syn0[l1, c] * syn1[target, c]
                    if f >= MAX_EXP or f <= -MAX_EXP:
                        # saturated: gensim takes no step (the gradient would be 0 or a full lr
                        # push from a score that is already extreme); the loss still counts
                        z = f if label == 1.0 else -f
                        loss += -z if z < 0 else 0.0
                        continue
                    sig = 1.0 / (1.0 + math.exp(-f))
                    loss -= math.log(sig) if label == 1.0 else math.log(1.0 - sig)
                    g = np.float32((label - sig) * lr)
                    for c in range(d):
                        neu1e[c] += g * syn1[target, c]
                        syn1[target, c] += g * syn0[l1, c]
                for c in range(d):
                    syn0[l1, c] += neu1e[c]
                pairs += 1
    return loss, pairs
