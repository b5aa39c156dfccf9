"""Recurrent language models: `RNNScratch` (explicit parameters) and `RNNLM` (torch layers)."""
import torch
from torch import nn

from .utils import ArgumentError, check_positive_int
from .vocab import check_token_ids

__all__ = ["CELLS", "RNNLM", "RNNScratch"]

CELLS = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}  # PyTorch's recurrent layers by name


class RNNScratch(nn.Module):
    """A tanh RNN language model written out by hand (chapter 2).

        H_t = tanh(X_t W_xh + H_{t-1} W_hh + b_h)      O_t = H_t W_hq + b_q

    X_t is the one-hot vector of token t. Multiplying a one-hot row by W_xh just picks
    a row of W_xh, so `forward` looks rows up instead of building one-hot matrices:
    the same maths, without a (batch, vocab) matrix per step. It also projects the
    inputs of all time steps at once, so the Python loop holds only the recurrence.
    """

    def __init__(self, vocab_size, num_hiddens, sigma=0.01):
        super().__init__()
        check_positive_int("vocab_size", vocab_size)
        check_positive_int("num_hiddens", num_hiddens)
        self.vocab_size, self.num_hiddens = vocab_size, num_hiddens
        self.W_xh = nn.Parameter(torch.randn(vocab_size, num_hiddens) * sigma)
        self.W_hh = nn.Parameter(torch.randn(num_hiddens, num_hiddens) * sigma)
        self.b_h = nn.Parameter(torch.zeros(num_hiddens))
        self.W_hq = nn.Parameter(torch.randn(num_hiddens, vocab_size) * sigma)
        self.b_q = nn.Parameter(torch.zeros(vocab_size))

    def begin_state(self, batch_size, device=None):
        """A zero hidden state of shape (batch_size, num_hiddens) on the model's device."""
        device = self.W_hh.device if device is None else device
        return torch.zeros(batch_size, self.num_hiddens, device=device)

    def forward(self, X, state=None):
        """X: token indices (batch, num_steps), or one-hot floats (batch, num_steps, vocab).

        Returns logits (batch, num_steps, vocab) and the last state (batch, num_hiddens).
        """
        if state is None:
            state = self.begin_state(X.shape[0])
        if X.is_floating_point():          # explicit one-hot input
            XW = X.transpose(0, 1) @ self.W_xh + self.b_h
        else:                               # indices: row lookup == one_hot(X) @ W_xh
            check_token_ids(X, self.vocab_size, "RNNScratch")
            XW = self.W_xh[X.T] + self.b_h  # (num_steps, batch, num_hiddens)
        H, outputs = state, []
        for xw in XW.unbind(0):             # one (batch, num_hiddens) slice per step
            # addmm(xw, H, W_hh) = xw + H @ W_hh in one call: one temporary less per step
            H = torch.tanh(torch.addmm(xw, H, self.W_hh))
            outputs.append(H)
        Hs = torch.stack(outputs, dim=1)    # (batch, num_steps, num_hiddens)
        return Hs @ self.W_hq + self.b_q, H


class RNNLM(nn.Module):
    """A language model from PyTorch's recurrent layers: embedding -> RNN/GRU/LSTM -> linear.

    Same interface as `RNNScratch`: `begin_state(batch_size)` and
    `forward(X, state) -> (logits, state)`; the LSTM state is a tuple (h, c).
    """

    def __init__(self, vocab_size, num_hiddens, cell="rnn", num_layers=1, embed_size=None):
        super().__init__()
        if cell not in CELLS:
            raise ArgumentError(f"cell must be one of {sorted(CELLS)}, got {cell!r}")
        self.vocab_size, self.num_hiddens = vocab_size, num_hiddens
        self.cell, self.num_layers = cell, num_layers
        # Without embed_size the input is one-hot: an identity embedding, frozen.
        if embed_size is None:
            self.embedding = nn.Embedding.from_pretrained(torch.eye(vocab_size), freeze=True)
            embed_size = vocab_size
        else:
            self.embedding = nn.Embedding(vocab_size, embed_size)
        self.rnn = CELLS[cell](embed_size, num_hiddens, num_layers=num_layers, batch_first=True)
        self.output = nn.Linear(num_hiddens, vocab_size)

    def begin_state(self, batch_size, device=None):
        """Zero state (num_layers, batch_size, num_hiddens); a pair (h, c) for an LSTM."""
        device = self.output.weight.device if device is None else device
        h = torch.zeros(self.num_layers, batch_size, self.num_hiddens, device=device)
        return (h, h.clone()) if self.cell == "lstm" else h

    def forward(self, X, state=None):
        """X: token ids (batch, num_steps) -> logits (batch, num_steps, vocab), last state."""
        check_token_ids(X, self.vocab_size, "RNNLM")
        if state is None:
            state = self.begin_state(X.shape[0])
        emb = self.embedding(X)             # (batch, num_steps, embed_size)
        out, state = self.rnn(emb, state)   # (batch, num_steps, num_hiddens)
        return self.output(out), state
