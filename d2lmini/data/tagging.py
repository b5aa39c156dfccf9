"""Collating tagging data (chapters 4-5): pad tokens with the vocabulary's <pad> and tags with
the loss's ignore index, and keep the true lengths for packing."""
import torch


def pad_tagging_batch(batch, pad_index, ignore_index=-100):
    """Pad a list of (token_ids, tag_ids) pairs into tensors.

    Returns tokens (B, T) long padded with `pad_index` (use `vocab.pad`, never a bare 0),
    tags (B, T) long padded with `ignore_index` (what nn.CrossEntropyLoss skips), and
    lengths (B,) long; T is the longest sentence. The batch order is kept, so pack with
    `enforce_sorted=False`.
    """
    if not batch:
        raise ValueError("pad_tagging_batch got an empty batch")
    lengths = []
    for i, (tokens, tags) in enumerate(batch):
        if len(tokens) != len(tags):
            raise ValueError(f"example {i} has {len(tokens)} tokens but {len(tags)} tags")
        if len(tokens) == 0:
            raise ValueError(f"example {i} is empty: drop empty sentences before batching")
        lengths.append(len(tokens))
    T = max(lengths)
    tokens_out = torch.full((len(batch), T), pad_index, dtype=torch.long)
    tags_out = torch.full((len(batch), T), ignore_index, dtype=torch.long)
    for i, (tokens, tags) in enumerate(batch):
        tokens_out[i, :lengths[i]] = torch.as_tensor(tokens, dtype=torch.long)
        tags_out[i, :lengths[i]] = torch.as_tensor(tags, dtype=torch.long)
    return tokens_out, tags_out, torch.tensor(lengths, dtype=torch.long)
