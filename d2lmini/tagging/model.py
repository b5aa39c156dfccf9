"""Recurrent sequence taggers for named entities (chapters 4 and 5).

One class, `RNNTagger`, covers every configuration of the course: an RNN, GRU or LSTM
cell, one or both directions, one or more layers, and one-hot or embedding inputs.
Batches are *packed* before the recurrent layer, so `<pad>` positions never reach the
hidden state, in either direction.
"""
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from ..rnn import CELLS
from ..utils import ArgumentError
from ..vocab import check_token_ids

__all__ = ["RNNTagger", "TaggerConfig", "count_parameters"]

INPUTS = ("onehot", "embedding")


@dataclass
class TaggerConfig:
    """Hyper-parameters of an `RNNTagger`; `name` gives a short label for tables."""

    cell: str = "lstm"            # "rnn" | "gru" | "lstm"
    bidirectional: bool = True
    num_layers: int = 1
    num_hiddens: int = 128
    input: str = "embedding"      # "onehot" | "embedding"
    embed_size: int = 100         # ignored for one-hot input (the input size is the vocab size)
    dropout: float = 0.0          # between stacked layers and before the output layer

    def __post_init__(self):
        if self.cell not in CELLS:
            raise ArgumentError(f"cell must be one of {sorted(CELLS)}, got {self.cell!r}")
        if self.input not in INPUTS:
            raise ArgumentError(f"input must be 'onehot' or 'embedding', got {self.input!r}")
        if self.num_layers < 1:
            raise ArgumentError(f"num_layers must be at least 1, got {self.num_layers}")

    @property
    def name(self):
        """A label such as 'BiLSTM x3' or 'RNN' (input type not included)."""
        label = ("Bi" if self.bidirectional else "") + self.cell.upper()
        return label + (f" x{self.num_layers}" if self.num_layers > 1 else "")


class RNNTagger(nn.Module):
    """Token ids (batch, steps) + true lengths (batch,) -> tag logits (batch, steps, num_tags).

    `vocab` is the word `Vocab`; its `<pad>` index (looked up by name) becomes the
    embedding's `padding_idx`. With `input="onehot"` each token becomes a vector of
    vocabulary size, as in a common tutorial version; with `input="embedding"` it becomes a learned
    `embed_size` vector from `nn.Embedding`.
    """

    def __init__(self, vocab, num_tags, config=None, **overrides):
        super().__init__()
        config = config or TaggerConfig()
        if overrides:
            config = TaggerConfig(**{**config.__dict__, **overrides})
        if num_tags < 2:
            raise ArgumentError(f"num_tags must be at least 2 (e.g. O and one B- tag), got {num_tags}")
        self.config, self.vocab_size, self.num_tags = config, len(vocab), num_tags
        self.pad_index = vocab.pad  # KeyError with advice if the vocab has no <pad>
        if config.input == "embedding":
            self.embedding = nn.Embedding(len(vocab), config.embed_size, padding_idx=self.pad_index)
            input_size = config.embed_size
        else:
            self.embedding = None
            input_size = len(vocab)
        self.rnn = CELLS[config.cell](
            input_size, config.num_hiddens, num_layers=config.num_layers, batch_first=True,
            bidirectional=config.bidirectional,
            dropout=config.dropout if config.num_layers > 1 else 0.0)
        self.dropout = nn.Dropout(config.dropout)
        num_directions = 2 if config.bidirectional else 1
        self.output = nn.Linear(num_directions * config.num_hiddens, num_tags)

    def embed(self, tokens):
        """(batch, steps) ids -> (batch, steps, input_size) floats: one-hot rows or embeddings."""
        if self.embedding is None:
            return F.one_hot(tokens, self.vocab_size).float()  # (batch, steps, vocab_size)
        return self.embedding(tokens)                           # (batch, steps, embed_size)

    def forward(self, tokens, lengths):
        """Tag logits for every position; positions at or after a sentence's length are padding
        and carry only the output bias (the loss must ignore them)."""
        if tokens.dim() != 2:
            raise ArgumentError(f"tokens must be (batch, steps) ids, got shape {tuple(tokens.shape)}")
        lengths = torch.as_tensor(lengths).cpu()  # pack_padded_sequence wants lengths on the CPU
        if int(lengths.min()) < 1:
            raise ArgumentError("every sentence needs at least one token (found a length of 0)")
        check_token_ids(tokens, self.vocab_size, "RNNTagger")
        X = self.embed(tokens)                                   # (batch, steps, input_size)
        packed = pack_padded_sequence(X, lengths, batch_first=True, enforce_sorted=False)
        out, _ = self.rnn(packed)                                # packed: pads are never fed in
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=tokens.shape[1])
        return self.output(self.dropout(out))                    # (batch, steps, num_tags)


def count_parameters(model):
    """Number of trainable parameters (frozen ones, if any, are not counted)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
