"""Decoding a tagger's scores into tags: per-position argmax, or the best *valid* BIO sequence.

A tagger scores every position on its own, so the argmax can say `O I-PER I-PER`: an
`I-PER` that continues no `B-PER`. Strict entity scoring drops that span, so a name the
model all but found counts as missed. `bio_viterbi` picks instead the sequence with the
highest total log-probability among those where every `I-X` follows a `B-X` or an `I-X`
(the Viterbi algorithm over a fixed 0 / -inf transition table). A CRF layer would *learn*
the transition scores; here they only forbid what BIO forbids, so training is unchanged.
"""
import torch

from ..utils import ArgumentError
from .spans import split_tag

__all__ = ["DECODERS", "bio_transitions", "bio_viterbi", "decode_tags"]

DECODERS = ("argmax", "bio")


def bio_transitions(label_names):
    """(allowed, start): a (K, K) bool table, allowed[i, j] = tag j may follow tag i, and a
    (K,) bool vector of the tags a sentence may start with (no `I-` tag)."""
    parts = [split_tag(name) for name in label_names]
    K = len(parts)
    allowed = torch.ones(K, K, dtype=torch.bool)
    for j, (prefix, kind) in enumerate(parts):
        if prefix == "I":     # I-X only after B-X or I-X
            allowed[:, j] = torch.tensor([k == kind and p in ("B", "I") for p, k in parts])
    start = torch.tensor([p != "I" for p, _ in parts])
    return allowed, start


def bio_viterbi(scores, lengths, label_names):
    """(batch, steps, K) scores and (batch,) lengths -> (batch, steps) tag ids: for every
    sentence the valid BIO sequence with the highest sum of log-softmax scores.
    Positions at or after a sentence's length repeat its last tag (they are padding)."""
    B, T, K = scores.shape
    if K != len(label_names):
        raise ArgumentError(f"the scores have {K} tags but there are {len(label_names)} label names")
    allowed, start = (t.to(scores.device) for t in bio_transitions(label_names))
    never = torch.tensor(float("-inf"), device=scores.device)
    trans = torch.where(allowed, torch.tensor(0.0, device=scores.device), never)   # (K, K)
    logp = scores.float().log_softmax(dim=-1)                                      # (B, T, K)
    lengths = torch.as_tensor(lengths, device=scores.device).view(B, 1)
    best = logp[:, 0] + torch.where(start, 0.0, never)                             # (B, K)
    stay = torch.arange(K, device=scores.device).expand(B, K)
    back = []
    for t in range(1, T):
        value, came_from = (best.unsqueeze(2) + trans).max(dim=1)    # (B, K_prev, K) -> (B, K)
        running = t < lengths                                        # (B, 1): still inside the sentence
        best = torch.where(running, value + logp[:, t], best)
        back.append(torch.where(running, came_from, stay))           # padding: keep the tag
    tags = [best.argmax(dim=1)]                                      # (B,) the best last tag
    for came_from in reversed(back):
        tags.append(came_from.gather(1, tags[-1].unsqueeze(1)).squeeze(1))
    return torch.stack(tags[::-1], dim=1)                            # (B, T)


def decode_tags(scores, lengths, label_names, decode="argmax"):
    """Tag ids (batch, steps) from scores (batch, steps, K): `decode` is 'argmax' (each
    position on its own) or 'bio' (`bio_viterbi`: the best valid BIO sequence)."""
    if decode == "argmax":
        return scores.argmax(dim=-1)
    if decode == "bio":
        return bio_viterbi(scores, lengths, label_names)
    raise ArgumentError(f"decode must be one of {DECODERS}, got {decode!r}")
