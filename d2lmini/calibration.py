"""Calibrating a classifier's probabilities (chapter 7): temperature scaling and the
expected calibration error.

Temperature scaling (Guo et al. 2017, "On Calibration of Modern Neural Networks") divides
the logits by one scalar T > 0, fitted on held-out data to minimise the negative
log-likelihood. T > 1 softens over-confident probabilities; argmax, and so accuracy, never
changes.
"""
import torch
from torch.nn import functional as F

from .utils import ArgumentError

__all__ = ["apply_temperature", "expected_calibration_error", "fit_temperature"]


def _check_logits_labels(logits, labels, what="logits"):
    logits = torch.as_tensor(logits, dtype=torch.float64)
    labels = torch.as_tensor(labels, dtype=torch.long)
    if logits.dim() != 2 or logits.shape[0] == 0 or logits.shape[1] < 2:
        raise ArgumentError(f"{what} must be a non-empty (N, C) array with C >= 2 classes, "
                            f"got shape {tuple(logits.shape)}")
    if labels.shape != (logits.shape[0],):
        raise ArgumentError(f"labels must be a 1-D array with one label per row of {what}: "
                            f"got {tuple(labels.shape)} labels for {logits.shape[0]} rows")
    if labels.min() < 0 or labels.max() >= logits.shape[1]:
        raise ArgumentError(f"labels must lie in 0..{logits.shape[1] - 1}")
    if not torch.isfinite(logits).all():
        raise ArgumentError(f"{what} contain inf or nan; pass raw logits (or log of clamped probs)")
    return logits, labels


def fit_temperature(logits, labels, max_iter=100):
    """The temperature T > 0 that minimises the NLL of softmax(logits / T) on (logits, labels).

    logits: (N, C) validation logits; labels: (N,) class indices. Optimised with LBFGS over
    log T (so T stays positive). Returns a float.
    """
    logits, labels = _check_logits_labels(logits, labels)
    log_t = torch.zeros((), dtype=torch.float64, requires_grad=True)   # start at T = 1
    opt = torch.optim.LBFGS([log_t], lr=0.5, max_iter=max_iter, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = F.cross_entropy(logits / log_t.exp(), labels)
        loss.backward()
        return loss

    opt.step(closure)
    return float(log_t.detach().exp())


def apply_temperature(logits, temperature):
    """Probabilities softmax(logits / temperature), (N, C) -> (N, C)."""
    if not temperature > 0:
        raise ArgumentError(f"temperature must be > 0, got {temperature}")
    return torch.softmax(torch.as_tensor(logits, dtype=torch.float32) / temperature, dim=-1)


def expected_calibration_error(probs, labels, n_bins=10):
    """ECE: bin the predictions by confidence (the top probability) into `n_bins` equal-width
    bins on [0, 1]; the count-weighted mean of |accuracy - mean confidence| over the bins.

    probs: (N, C) probabilities; labels: (N,). Returns a float in [0, 1].
    """
    probs, labels = _check_logits_labels(probs, labels, what="probs")
    conf, pred = probs.max(dim=-1)
    correct = (pred == labels).double()
    # bin b holds confidences in (b/n, (b+1)/n]; a confidence of exactly 0 goes to bin 0
    bins = (torch.ceil(conf * n_bins).long() - 1).clamp(0, n_bins - 1)
    ece = 0.0
    for b in range(n_bins):
        mask = bins == b
        if mask.any():
            ece += mask.double().mean() * (correct[mask].mean() - conf[mask].mean()).abs()
    return float(ece)
