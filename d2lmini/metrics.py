"""Evaluation metrics shared by the chapters."""
import math

from .utils import ArgumentError

__all__ = ["perplexity"]


def perplexity(total_nll, num_tokens):
    """exp(total negative log-likelihood / total tokens): 1 is perfect, the vocabulary
    size is what a uniform guess scores. Never the mean of per-batch exp(loss).
    A diverged model's perplexity is `math.inf`, not an overflow error."""
    if not num_tokens > 0:
        raise ArgumentError(f"perplexity needs at least one token, got num_tokens={num_tokens!r}")
    mean = total_nll / num_tokens
    return math.inf if mean >= 700 else math.exp(mean)   # exp overflows a float above ~709.78
