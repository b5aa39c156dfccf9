"""Confidence intervals for the course's comparisons: the paired bootstrap over test items
(sentences, reviews) and a t interval over random seeds.

A corpus-level score such as entity F1 is not a mean of per-sentence scores, so every
function here works on per-item *counts* (for F1: true positives, predicted and gold
entities of each sentence). A bootstrap sample draws the items with replacement, adds up
their counts and computes the score from the totals. "Paired" means both systems are scored
on the *same* resampled items, so the sentences that are hard for both cancel out.

A paired interval of width zero is not certainty: it happens when the two systems agree on
every item (there is nothing to resample). `Interval.discordant` counts the items on which
they differ; with zero of them the data cannot tell the systems apart at all.
"""
import math
from dataclasses import dataclass

import numpy as np

__all__ = ["Interval", "bootstrap_weights", "bootstrap", "paired_bootstrap", "seed_interval",
           "entity_counts", "f1_from_counts", "accuracy_counts", "accuracy_from_counts"]


@dataclass
class Interval:
    """A point estimate with a `level` confidence interval [low, high]."""

    estimate: float
    low: float
    high: float
    level: float = 0.95
    discordant: int = -1   # paired bootstrap: items on which the two systems differ (-1: not paired)
    samples: np.ndarray = None

    @property
    def excludes_zero(self):
        """True when the whole interval lies on one side of 0 (the difference is 'significant')."""
        return self.low > 0 or self.high < 0

    def __str__(self):
        text = (f"{self.estimate:+.3f} ({self.level:.0%} interval {self.low:+.3f} .. "
                f"{self.high:+.3f})")
        if self.discordant == 0:
            text += " -- the two systems agree on every item: no evidence either way"
        return text

    def __repr__(self):
        return f"Interval({self})"


def bootstrap_weights(n_items, n_boot, seed=0):
    """(n_boot, n_items) counts: how often each item is drawn in each bootstrap sample
    (a multinomial draw of n_items items with replacement, each equally likely)."""
    if n_items < 1:
        raise ValueError("the bootstrap needs at least one item")
    rng = np.random.default_rng(seed)
    return rng.multinomial(n_items, np.full(n_items, 1.0 / n_items), size=n_boot)


def _totals(stats, weights):
    stats = np.asarray(stats, dtype=float)
    if stats.ndim == 1:
        stats = stats[:, None]                       # (n_items, 1)
    return stats, weights @ stats                    # (n_boot, n_items) @ (n_items, k) -> (n_boot, k)


def _interval(estimate, samples, level, discordant=-1):
    alpha = (1 - level) / 2
    low, high = np.quantile(samples, [alpha, 1 - alpha])
    return Interval(float(estimate), float(low), float(high), level, discordant, samples)


def bootstrap(stats, score, n_boot=2000, level=0.95, seed=0):
    """Interval for `score(totals)` of one system; `stats` is (n_items, k) per-item counts."""
    stats = np.asarray(stats, dtype=float)
    stats, totals = _totals(stats, bootstrap_weights(len(stats), n_boot, seed))
    samples = np.array([score(t) for t in totals])
    return _interval(score(stats.sum(0)), samples, level)


def paired_bootstrap(stats_a, stats_b, score, n_boot=2000, level=0.95, seed=0):
    """Interval for score(A) - score(B), both scored on the same resampled items.

    stats_a, stats_b: (n_items, k) per-item counts of the two systems on the same items, in
    the same order; score: totals (k,) -> float (e.g. `f1_from_counts`).
    """
    stats_a, stats_b = np.asarray(stats_a, dtype=float), np.asarray(stats_b, dtype=float)
    if stats_a.shape != stats_b.shape:
        raise ValueError(f"the two systems' counts differ in shape: {stats_a.shape} vs {stats_b.shape}"
                         " (score them on the same items, in the same order)")
    weights = bootstrap_weights(len(stats_a), n_boot, seed)   # the same draws for both systems
    stats_a, totals_a = _totals(stats_a, weights)
    stats_b, totals_b = _totals(stats_b, weights)
    samples = np.array([score(a) - score(b) for a, b in zip(totals_a, totals_b)])
    discordant = int(np.any(stats_a != stats_b, axis=1).sum())
    return _interval(score(stats_a.sum(0)) - score(stats_b.sum(0)), samples, level, discordant)


def seed_interval(values, level=0.95):
    """Mean of per-seed results (or of per-seed differences) with a Student-t interval."""
    from scipy import stats as st

    values = np.asarray(values, dtype=float)
    if len(values) < 2:
        raise ValueError("a seed interval needs at least 2 runs (3 or more to mean much)")
    mean, sem = values.mean(), values.std(ddof=1) / math.sqrt(len(values))
    half = st.t.ppf(0.5 + level / 2, df=len(values) - 1) * sem
    return Interval(float(mean), float(mean - half), float(mean + half), level)


# --------------------------------------------------------------------------- per-item counts
def entity_counts(gold_seqs, pred_seqs):
    """(n_sentences, 3) array of strict-IOB2 entity counts: true positives, predicted, gold."""
    from .tagging.spans import bio_to_spans

    if len(gold_seqs) != len(pred_seqs):
        raise ValueError(f"{len(gold_seqs)} gold sequences but {len(pred_seqs)} predicted ones")
    rows = []
    for gold, pred in zip(gold_seqs, pred_seqs):
        g, p = set(bio_to_spans(gold)), set(bio_to_spans(pred))
        rows.append((len(g & p), len(p), len(g)))
    return np.array(rows, dtype=float).reshape(-1, 3)


def f1_from_counts(totals):
    """Entity F1 = 2 tp / (predicted + gold) from summed counts (0 when both are 0)."""
    tp, n_pred, n_gold = totals
    return 2 * tp / (n_pred + n_gold) if n_pred + n_gold else 0.0


def accuracy_counts(labels, preds):
    """(n_items, 2) array: correct (0/1) and 1, per item."""
    labels, preds = np.asarray(labels), np.asarray(preds)
    if labels.shape != preds.shape:
        raise ValueError(f"{labels.shape} labels but {preds.shape} predictions")
    return np.stack([(labels == preds).astype(float), np.ones(len(labels))], axis=1)


def accuracy_from_counts(totals):
    """Accuracy = correct / items from summed counts."""
    return totals[0] / totals[1]
