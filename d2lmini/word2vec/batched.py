"""The batched trainer (engine="batched"): thousands of pairs per hand-written torch SGD step.

Each epoch's pairs are built with NumPy in one go (`pairs.py`) and cut into batches of
`batch_size` pairs; noise words may be shared by runs of G pairs (pWord2Vec's trick, which
turns the scores into small matrix products). Fast, and it runs on a GPU, but it loses
quality: every pair of a batch is scored with the same stale vectors and a frequent word's
steps from the whole batch are summed at once. With G = 64 it reaches about half of
gensim's Google-analogy accuracy; the compiled engine (`train.py`) matches gensim.
Its epochs run through `fit` with `optimizer=None`: the step updates the tables by hand.
"""
import math

import numpy as np
import torch

from ..errors import UserError
from ..fit import fit
from ..plotting import Animator
from .model import SkipGramNS, sgns_sgd_step
from .pairs import NoiseTable, corpus_to_ids, keep_probabilities, window_pairs
from .result import QuietAnimator, TrainClock, finish_result, report_points

__all__ = ["train_batched"]


def train_batched(sentences, vocab, cfg, progress, plot, device):
    """`train_word2vec` with engine="batched" (see there); returns an SGNSResult."""
    old_threads = torch.get_num_threads()
    if cfg.num_threads:
        torch.set_num_threads(cfg.num_threads)
    try:
        return _train(sentences, vocab, cfg, progress, plot, device)
    finally:
        torch.set_num_threads(old_threads)


def _train(sentences, vocab, cfg, progress, plot, device):
    clock = TrainClock()
    ids, sent_ids = corpus_to_ids(sentences, vocab)
    if len(ids) < 2:
        raise UserError("fewer than 2 in-vocabulary words: lower min_count or give more text")
    raw_words = sum(len(s) for s in sentences)
    counts = np.bincount(ids, minlength=len(vocab))
    keep_p = keep_probabilities(counts, cfg.sample)
    noise = NoiseTable(counts, cfg.ns_exponent)
    noise.table = noise.table.to(device)
    rng = np.random.default_rng(cfg.seed)
    gen = torch.Generator(device=device).manual_seed(cfg.seed)
    torch.manual_seed(cfg.seed)
    model = SkipGramNS(len(vocab), cfg.embed_size).to(device)
    w_in, w_out = model.center.weight.data, model.context.weight.data
    # Rough total number of pairs, for the learning-rate schedule: kept words x mean window x 2.
    expected_pairs = max(1.0, float(keep_p[ids].sum()) * (cfg.window + 1) * cfg.epochs)
    animator = None if plot is False else Animator(xlabel="epoch", ylabel="loss per pair", live=plot)
    history = {"epoch": [], "loss": [], "pairs": 0}
    state = {"epoch": -1, "done_pairs": 0, "loss_sum": 0.0, "loss_pairs": 0}

    def epoch_batches():
        """One epoch's pairs, subsampled and windowed afresh, as `fit`'s batches (slices)."""
        state["epoch"] += 1
        kept = rng.random(len(ids)) < keep_p[ids]                     # subsampling
        centres, contexts = window_pairs(ids[kept], sent_ids[kept], cfg.window, rng)
        state["centres"] = torch.from_numpy(centres).to(device)       # (P,)
        state["contexts"] = torch.from_numpy(contexts).to(device)     # (P,)
        n_batches = max(1, math.ceil(len(centres) / cfg.batch_size))
        state["n_batches"], state["points"] = n_batches, set(report_points(n_batches))
        history["pairs"] += len(centres)
        return [(b, slice(b * cfg.batch_size, (b + 1) * cfg.batch_size)) for b in range(n_batches)]

    def step(model, batch):
        """One hand-written SGD step on a batch of pairs (no optimizer: `fit` only counts)."""
        b, sl = batch
        c, o = state["centres"][sl], state["contexts"][sl]
        lr = max(cfg.min_lr, cfg.lr * (1 - state["done_pairs"] / expected_pairs))
        share = cfg.share_negatives if len(c) % cfg.share_negatives == 0 else 1
        negatives = noise.draw((len(c) // share, cfg.negative), generator=gen)  # (B/G, K)
        loss = sgns_sgd_step(w_in, w_out, c, o, negatives, lr)       # summed over the batch
        state["done_pairs"] += len(c)
        state["loss_sum"] += loss
        state["loss_pairs"] += len(c)
        if b + 1 in state["points"]:
            x = round(state["epoch"] + (b + 1) / state["n_batches"], 3)
            mean = state["loss_sum"] / state["loss_pairs"]
            history["epoch"].append(x)
            history["loss"].append(mean)
            if animator is not None:              # redrawing is not training: pause the clock
                clock.pause(animator.add, x, loss=mean)
            state.update(loss_sum=0.0, loss_pairs=0)
        return loss / len(c), len(c)

    history["fit"] = fit(model, epoch_batches, step, None, max_epochs=cfg.epochs,
                         progress=progress, plot=QuietAnimator(), title="SGNS (batched)")
    return finish_result(model, vocab, history, clock, raw_words, cfg, progress)
