"""The batched trainer (engine="batched"): thousands of pairs per hand-written torch SGD step.

Each epoch's pairs are built with NumPy in one go (`pairs.py`) and cut into batches of
`batch_size` pairs; noise words may be shared by runs of G pairs (pWord2Vec's trick, which
turns the scores into small matrix products). Fast, and it runs on a GPU, but it loses
quality: every pair of a batch is scored with the same stale vectors and a frequent word's
steps from the whole batch are summed at once. With G = 64 it reaches about half of
gensim's Google-analogy accuracy; the compiled engine (`train.py`) matches gensim.
"""
import math

import numpy as np
import torch

from ..errors import UserError
from ..plotting import Animator
from ..progress import ProgressBar
from .model import SkipGramNS, sgns_sgd_step
from .pairs import NoiseTable, corpus_to_ids, keep_probabilities, window_pairs
from .train import _Clock, _finish, report_points

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
    clock = _Clock()
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
    done_pairs = 0
    bar = ProgressBar(total=cfg.epochs * raw_words, desc="words", unit="word", enabled=progress)
    for epoch in range(cfg.epochs):
        kept = rng.random(len(ids)) < keep_p[ids]                     # subsampling
        centres, contexts = window_pairs(ids[kept], sent_ids[kept], cfg.window, rng)
        centres, contexts = torch.from_numpy(centres).to(device), torch.from_numpy(contexts).to(device)
        n_pairs = len(centres)
        n_batches = max(1, math.ceil(n_pairs / cfg.batch_size))
        points, loss_sum, loss_pairs = set(report_points(n_batches)), 0.0, 0
        for b in range(n_batches):
            sl = slice(b * cfg.batch_size, (b + 1) * cfg.batch_size)
            c, o = centres[sl], contexts[sl]
            lr = max(cfg.min_lr, cfg.lr * (1 - done_pairs / expected_pairs))
            share = cfg.share_negatives if len(c) % cfg.share_negatives == 0 else 1
            negatives = noise.draw((len(c) // share, cfg.negative), generator=gen)  # (B/G, K)
            loss_sum += sgns_sgd_step(w_in, w_out, c, o, negatives, lr)
            loss_pairs += len(c)
            done_pairs += len(c)
            bar.update(raw_words // n_batches + (1 if b < raw_words % n_batches else 0))
            if b + 1 in points:
                x = round(epoch + (b + 1) / n_batches, 3)
                history["epoch"].append(x)
                history["loss"].append(loss_sum / loss_pairs)
                bar.update(0, loss=f"{loss_sum / loss_pairs:.3f}", lr=f"{lr:.4f}")
                if animator is not None:              # redrawing is not training: pause the clock
                    clock.pause(animator.add, x, loss=loss_sum / loss_pairs)
                loss_sum, loss_pairs = 0.0, 0
        history["pairs"] += n_pairs
    bar.close()
    return _finish(model, vocab, history, clock, raw_words, cfg, progress)
