"""Tokenisation, the `Vocab` class and one-hot vectors (chapter 1)."""
import collections

import torch
import torch.nn.functional as F

from .utils import ArgumentError

__all__ = ["PAD", "UNK", "Vocab", "check_token_ids", "count_corpus", "one_hot", "tokenize"]

UNK = "<unk>"
PAD = "<pad>"


def tokenize(lines, token="word"):
    """Split each line into tokens: "word" splits on whitespace, "char" keeps every character.

    Chinese text has no spaces between words, so tokenise it with token="char".
    """
    if isinstance(lines, str):
        raise TypeError("tokenize() expects a list of lines; wrap a single string as [text]")
    if token == "word":
        return [line.split() for line in lines]
    if token == "char":
        return [list(line) for line in lines]
    raise ArgumentError(f"unknown token type {token!r}: use 'word' or 'char'")


def _flatten(tokens):
    if tokens and isinstance(tokens[0], (list, tuple)):
        return [tok for line in tokens for tok in line]
    return list(tokens)


def count_corpus(tokens):
    """Count tokens in a flat list or a list of token lists."""
    return collections.Counter(_flatten(tokens))


class Vocab:
    """Maps tokens to integer indices and back.

    Index 0 is always `<unk>`; then the reserved tokens in the order given; then the
    other tokens by decreasing frequency, ties broken alphabetically, so the indices are
    the same on every run and for any ordering of the input.
    """

    def __init__(self, tokens=(), min_freq=0, reserved_tokens=None):
        reserved = [t for t in (reserved_tokens or []) if t != UNK]
        if len(set(reserved)) != len(reserved):
            raise ArgumentError(f"reserved_tokens has duplicates: {reserved_tokens}")
        counter = count_corpus(list(tokens))
        # Sort by (-count, token): deterministic whatever the input order.
        self.token_freqs = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
        self.idx_to_token = [UNK] + reserved
        self.token_to_idx = {tok: i for i, tok in enumerate(self.idx_to_token)}
        for tok, freq in self.token_freqs:
            if freq < min_freq:
                break  # sorted by frequency: everything after is rarer
            if tok not in self.token_to_idx:
                self.token_to_idx[tok] = len(self.idx_to_token)
                self.idx_to_token.append(tok)

    def __len__(self):
        return len(self.idx_to_token)

    def __contains__(self, token):
        return token in self.token_to_idx

    def __getitem__(self, tokens):
        if isinstance(tokens, (list, tuple)):
            return [self.__getitem__(t) for t in tokens]
        return self.token_to_idx.get(tokens, self.unk)

    def to_tokens(self, indices):
        if hasattr(indices, "tolist"):
            indices = indices.tolist()
        if isinstance(indices, (list, tuple)):
            return [self.to_tokens(i) for i in indices]
        if not 0 <= indices < len(self):
            raise IndexError(f"index {indices} is outside this vocabulary of size {len(self)}")
        return self.idx_to_token[indices]

    @property
    def unk(self):
        """Index of `<unk>`, looked up by name."""
        return self.token_to_idx[UNK]

    @property
    def pad(self):
        """Index of `<pad>`, looked up by name; never assume it is 0."""
        if PAD not in self.token_to_idx:
            raise KeyError(
                "this vocabulary has no '<pad>' token; build it with "
                "Vocab(tokens, reserved_tokens=['<pad>']) to pad batches"
            )
        return self.token_to_idx[PAD]

    def __repr__(self):
        head = ", ".join(repr(t) for t in self.idx_to_token[:6])
        return f"Vocab(size={len(self)}, first=[{head}, ...])"


def check_token_ids(ids, vocab_size, who="the model"):
    """Raise `IndexError` unless every id in the integer tensor `ids` lies in [0, vocab_size).

    Embedding tables index rows with the ids, and a negative id would silently read a row
    from the end: check at the boundary, once per batch (one min and one max).
    """
    if ids.numel():
        lo, hi = int(ids.min()), int(ids.max())
        if lo < 0 or hi >= vocab_size:
            raise IndexError(
                f"{who}: token ids must lie in [0, {vocab_size - 1}] for a vocabulary of size "
                f"{vocab_size}; got min {lo}, max {hi}. Encode text with the same Vocab the "
                "model was built with (vocab[tokens]), and pad with vocab.pad")
    return ids


def one_hot(indices, vocab_size):
    """One-hot float vectors: shape (*indices.shape, vocab_size)."""
    indices = torch.as_tensor(indices)
    if indices.dtype.is_floating_point or indices.dtype == torch.bool:
        raise TypeError(f"one_hot needs integer indices, got dtype {indices.dtype}")
    check_token_ids(indices, vocab_size, "one_hot")
    return F.one_hot(indices.long(), vocab_size).float()
