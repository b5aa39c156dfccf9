"""From (tokens, tags) sentences to padded batches for a tagger: vocabulary, ids, loaders."""
from functools import partial

import torch
from torch.utils.data import DataLoader

from ..data import pad_tagging_batch
from ..utils import ArgumentError, check_positive_int
from ..vocab import PAD, Vocab

__all__ = ["IGNORE_INDEX", "build_tagging_vocab", "encode_tagged", "tag_index", "tagging_loader"]

IGNORE_INDEX = -100  # tag id of padding positions; CrossEntropyLoss skips it


def build_tagging_vocab(train_sentences, min_freq=1, lower=False):
    """Word `Vocab` (with `<pad>`) from the training split's tokens; `lower=True` case-folds."""
    tokens = [tok.lower() if lower else tok for toks, _ in train_sentences for tok in toks]
    return Vocab(tokens, min_freq=min_freq, reserved_tokens=[PAD])


def tag_index(label_names):
    """{tag: id} in the dataset's own label order (never a `{t: t}` guess)."""
    if len(set(label_names)) != len(label_names):
        raise ArgumentError(f"label_names has duplicates: {label_names}")
    return {name: i for i, name in enumerate(label_names)}


def encode_tagged(sentences, vocab, label_names, lower=False):
    """[(tokens, tags)] of strings -> [(token ids, tag ids)]; unseen words become `<unk>`."""
    tag_to_idx = tag_index(label_names)
    encoded = []
    for tokens, tags in sentences:
        if len(tokens) != len(tags):
            raise ArgumentError(f"a sentence has {len(tokens)} tokens but {len(tags)} tags")
        try:
            tag_ids = [tag_to_idx[t] for t in tags]
        except KeyError as err:
            raise KeyError(f"tag {err} is not in label_names {label_names}") from None
        encoded.append((vocab[[t.lower() if lower else t for t in tokens]], tag_ids))
    return encoded


def tagging_loader(encoded, vocab, batch_size=32, shuffle=False, seed=0):
    """DataLoader of padded batches `(tokens (B,T), tags (B,T), lengths (B,))`; padded tag
    positions hold `IGNORE_INDEX`. Single process (num_workers=0); shuffling is seeded."""
    batch_size = check_positive_int("batch_size", batch_size)
    generator = torch.Generator().manual_seed(seed) if shuffle else None
    collate = partial(pad_tagging_batch, pad_index=vocab.pad, ignore_index=IGNORE_INDEX)
    return DataLoader(encoded, batch_size=batch_size, shuffle=shuffle, collate_fn=collate,
                      num_workers=0, generator=generator)
