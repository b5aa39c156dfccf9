"""Evaluation metrics shared by the chapters."""
import math


def perplexity(total_nll, num_tokens):
    """exp(total negative log-likelihood / total tokens): 1 is perfect, the vocabulary
    size is what a uniform guess scores. Never the mean of per-batch exp(loss)."""
    if num_tokens <= 0:
        raise ValueError("perplexity needs at least one token")
    return math.exp(total_nll / num_tokens)
