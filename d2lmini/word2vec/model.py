"""The skip-gram model with negative sampling, its masked loss, and one hand-written SGD step."""
import torch
from torch import nn
import torch.nn.functional as F

__all__ = ["SkipGramNS", "sgns_loss", "sgns_sgd_step"]


class SkipGramNS(nn.Module):
    """Skip-gram with negative sampling: one embedding table for centre words, one for contexts.

    `forward(centers, contexts_negatives)` returns the dot products u_o . v_c, shape (B, L).
    The centre table is the word vectors you keep after training.
    """

    def __init__(self, vocab_size, embed_size=100):
        super().__init__()
        self.center = nn.Embedding(vocab_size, embed_size)
        self.context = nn.Embedding(vocab_size, embed_size)
        self.reset_parameters()

    def reset_parameters(self):
        """word2vec's initialisation: small uniform centre vectors, zero context vectors."""
        d = self.center.embedding_dim
        with torch.no_grad():
            self.center.weight.uniform_(-0.5 / d, 0.5 / d)
            self.context.weight.zero_()

    def forward(self, centers, contexts_negatives):
        """centers (B,) or (B, 1) indices; contexts_negatives (B, L) indices -> scores (B, L)."""
        if centers.dim() == 2:
            centers = centers.squeeze(1)                      # (B, 1) -> (B,)
        if centers.shape[0] != contexts_negatives.shape[0]:
            raise ValueError(f"centers has {centers.shape[0]} rows but contexts_negatives has "
                             f"{contexts_negatives.shape[0]}: they must be the same batch")
        v = self.center(centers)                              # (B, d)
        u = self.context(contexts_negatives)                  # (B, L, d)
        return torch.bmm(u, v.unsqueeze(2)).squeeze(2)        # (B, L)


def sgns_loss(pred, labels, mask, reduction="mean"):
    """Masked binary cross-entropy of SGNS scores.

    pred, labels, mask: (B, L); label 1 for a real context word, 0 for a noise word; mask 0 for
    padding. Each example's loss is averaged over its unmasked positions; `reduction="mean"`
    then averages over the batch, `"sum"` adds, `"none"` returns the (B,) per-example losses.
    """
    if not (pred.shape == labels.shape == mask.shape):
        raise ValueError(f"pred {tuple(pred.shape)}, labels {tuple(labels.shape)} and mask "
                         f"{tuple(mask.shape)} must have the same shape (B, L)")
    mask = mask.to(pred.dtype)
    per_pos = F.binary_cross_entropy_with_logits(pred, labels.to(pred.dtype), reduction="none")
    n_valid = mask.sum(dim=1)
    if bool((n_valid == 0).any()):
        raise ValueError("an example has no unmasked position: drop it from the batch")
    per_example = (per_pos * mask).sum(dim=1) / n_valid      # (B,)
    if reduction == "none":
        return per_example
    if reduction == "sum":
        return per_example.sum()
    if reduction == "mean":
        return per_example.mean()
    raise ValueError(f"unknown reduction {reduction!r}: use 'mean', 'sum' or 'none'")


@torch.no_grad()
def sgns_sgd_step(center_weight, context_weight, centers, contexts, negatives, lr):
    """One hand-written SGD step on a batch of (centre, context) pairs and their noise words.

    centers, contexts: (B,) indices. negatives: (B, K) gives every pair its own K noise words
    (as gensim does); (B // G, K) lets each run of G consecutive pairs share K noise words
    (pWord2Vec's trick: the scores become small matrix products). The loss of one pair is
    -log sigma(u_o . v_c) - sum_k log sigma(-u_k . v_c); d loss / d score = sigma(s) - label,
    so each vector moves by lr * (label - sigma(s)) times the other one.
    Updates both weight matrices in place and returns the summed loss of the batch.
    """
    n_pairs, d = len(centers), center_weight.shape[1]
    n_groups, k = negatives.shape
    if n_pairs % n_groups != 0:
        raise ValueError(f"{n_pairs} pairs cannot be split into {n_groups} equal groups: "
                         "give negatives of shape (B, K) or (B // G, K)")
    g = n_pairs // n_groups                                      # pairs sharing one set of noise words
    v = center_weight.index_select(0, centers)                   # (B, d)
    u_pos = context_weight.index_select(0, contexts)             # (B, d)
    u_neg = context_weight.index_select(0, negatives.reshape(-1)).view(n_groups, k, d)
    v_grouped = v.view(n_groups, g, d)                           # (B/G, G, d)
    s_pos = (v * u_pos).sum(dim=1)                               # (B,)
    if g == 1:   # own noise words: elementwise products beat B tiny matrix products
        s_neg = (u_neg * v.unsqueeze(1)).sum(dim=2).unsqueeze(1)  # (B, 1, K)
    else:
        s_neg = torch.bmm(v_grouped, u_neg.transpose(1, 2))      # (B/G, G, K)
    step_pos = (1 - torch.sigmoid(s_pos)) * lr                   # label 1
    step_neg = -torch.sigmoid(s_neg) * lr                        # label 0
    # gradient steps for the centre vectors: from the context word and from the noise words
    grad_v = torch.baddbmm((step_pos.unsqueeze(1) * u_pos).view(n_groups, g, d),
                           step_neg, u_neg)                      # (B/G, G, d)
    if g == 1:
        grad_u_neg = step_neg.transpose(1, 2) * v_grouped        # (B, K, 1) * (B, 1, d) -> (B, K, d)
    else:
        grad_u_neg = torch.bmm(step_neg.transpose(1, 2), v_grouped)  # (B/G, K, d)
    context_weight.index_add_(0, contexts, step_pos.unsqueeze(1) * v)
    context_weight.index_add_(0, negatives.reshape(-1), grad_u_neg.reshape(-1, d))
    center_weight.index_add_(0, centers, grad_v.view(n_pairs, d))
    loss = -F.logsigmoid(s_pos).sum() - F.logsigmoid(-s_neg).sum()
    return float(loss)
