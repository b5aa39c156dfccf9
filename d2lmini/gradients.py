"""Vanishing and exploding gradients through time (chapter 3).

Helpers to unroll a recurrent cell step by step so that the gradient of the loss with
respect to *every* hidden state h_t can be read off, a GRU cell whose gates can be
switched off (the "remove the update gate or the reset gate?" quiz), and a synthetic
task whose answer is the first token of a long sequence.
"""
import torch
from torch import nn
from torch.nn import functional as F

from .fit import fit
from .utils import check_positive_int, evaluating, set_seed

__all__ = ["FirstTokenModel", "GRUVariantCell", "first_token_batch", "per_step_grad_norms",
           "train_first_token", "unroll"]


class GRUVariantCell(nn.Module):
    """A GRU cell written out by hand, in the convention of Andrew Ng's course:

        Γu = σ(x W_xu + h W_hu + b_u)          (update gate)
        Γr = σ(x W_xr + h W_hr + b_r)          (reset gate)
        h̃  = tanh(x W_xc + (Γr * h) W_hc + b_c) (candidate state)
        h_t = Γu * h̃ + (1 - Γu) * h_{t-1}

    Here Γu = 1 means "always take the candidate" and Γu ≈ 0 means "copy the old state".
    (PyTorch's `nn.GRUCell` uses z = 1 - Γu: h_t = (1 - z) * n + z * h_{t-1}.)
    `fix_update=True` pins Γu to 1, `fix_reset=True` pins Γr to 1. `update_bias`
    initialises b_u: a negative value starts the cell close to copying its state.
    """

    def __init__(self, input_size, hidden_size, fix_update=False, fix_reset=False,
                 update_bias=0.0):
        super().__init__()
        self.hidden_size = hidden_size
        self.fix_update, self.fix_reset = fix_update, fix_reset
        self.x_proj = nn.Linear(input_size, 3 * hidden_size)           # x -> (u, r, c)
        self.h_gates = nn.Linear(hidden_size, 2 * hidden_size, bias=False)  # h -> (u, r)
        self.h_cand = nn.Linear(hidden_size, hidden_size, bias=False)  # (Γr*h) -> c
        with torch.no_grad():
            self.x_proj.bias[:hidden_size] = update_bias

    def gates(self, x, h):
        """The update gate, reset gate and candidate state, each (batch, hidden_size)."""
        xu, xr, xc = self.x_proj(x).chunk(3, dim=-1)
        hu, hr = self.h_gates(h).chunk(2, dim=-1)
        u = torch.ones_like(h) if self.fix_update else torch.sigmoid(xu + hu)
        r = torch.ones_like(h) if self.fix_reset else torch.sigmoid(xr + hr)
        cand = torch.tanh(xc + self.h_cand(r * h))
        return u, r, cand

    def forward(self, x, h):
        """One time step: x (batch, input_size), h (batch, hidden_size) -> new h."""
        u, _, cand = self.gates(x, h)
        return u * cand + (1 - u) * h


def unroll(cell, inputs, keep_grads=False):
    """Run `cell` over inputs (batch, num_steps, input_size) from a zero state.

    Works for nn.RNNCell, nn.GRUCell, nn.LSTMCell and GRUVariantCell. Returns the list of
    hidden states h_1..h_T, each (batch, hidden_size); with `keep_grads=True` each h_t
    keeps its gradient after `backward()` (h_t.grad = dL/dh_t).
    """
    if inputs.dim() != 3:
        raise ValueError(f"inputs must be (batch, num_steps, input_size), got shape {tuple(inputs.shape)}")
    batch, hidden = inputs.shape[0], cell.hidden_size
    h = inputs.new_zeros(batch, hidden)
    c = inputs.new_zeros(batch, hidden)
    states = []
    for x in inputs.unbind(1):                # x: (batch, input_size)
        if isinstance(cell, nn.LSTMCell):
            h, c = cell(x, (h, c))
        else:
            h = cell(x, h)
        if keep_grads and h.requires_grad:
            h.retain_grad()
        states.append(h)
    return states


def per_step_grad_norms(cell, head, inputs, labels):
    """||dL/dh_t|| for every time step t, where L is the cross-entropy of `head(h_T)`.

    The loss looks only at the last state, so the norm at step t measures how much the
    answer can still learn from what happened at step t. Returns a (num_steps,) tensor.
    """
    states = unroll(cell, inputs, keep_grads=True)
    loss = F.cross_entropy(head(states[-1]), labels)
    cell.zero_grad()
    head.zero_grad()
    loss.backward()
    return torch.stack([h.grad.norm() for h in states]).detach()


def first_token_batch(batch_size, num_steps, num_classes, generator=None):
    """A batch of the "remember the first token" task.

    X: (batch_size, num_steps) random tokens in [0, num_classes); y: (batch_size,) the
    first token of each row. Every later token is noise, so only a model that carries
    information across all num_steps steps can beat chance (1 / num_classes).
    """
    if num_steps < 1 or num_classes < 2:
        raise ValueError("need num_steps >= 1 and num_classes >= 2")
    X = torch.randint(0, num_classes, (batch_size, num_steps), generator=generator)
    return X, X[:, 0].clone()


class FirstTokenModel(nn.Module):
    """A recurrent `cell` unrolled over one-hot tokens, and a linear read-out of its last state."""

    def __init__(self, cell, num_classes):
        super().__init__()
        self.cell, self.num_classes = cell, num_classes
        self.head = nn.Linear(cell.hidden_size, num_classes)

    def forward(self, X):
        """X: (batch, num_steps) token ids -> (batch, num_classes) logits."""
        h = unroll(self.cell, F.one_hot(X, self.num_classes).float())[-1]   # (batch, hidden)
        return self.head(h)


def train_first_token(cell, num_steps, num_classes, iterations=300, batch_size=64, lr=1e-2,
                      theta=1.0, seed=0, eval_size=1000):
    """Train `cell` plus a linear read-out of h_T on the first-token task with `fit` (Adam,
    gradient clipping at `theta`; one "epoch" of `iterations` fresh batches). Returns a
    dict: test accuracy, final training loss (mean of the last 20 batches), loss curve."""
    iterations = check_positive_int("iterations", iterations)
    set_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    model = FirstTokenModel(cell, num_classes)

    def batches():
        return (first_token_batch(batch_size, num_steps, num_classes, gen) for _ in range(iterations))

    def step(model, batch):
        X, y = batch
        return F.cross_entropy(model(X), y), len(y)

    history = fit(model, batches, step, "adam", lr=lr, max_epochs=1, clip=theta,
                  progress=False, plot=False, curves=[])
    X, y = first_token_batch(eval_size, num_steps, num_classes,    # fresh, fixed test sequences
                             torch.Generator().manual_seed(seed + 12345))
    with evaluating(model):
        acc = (model(X).argmax(-1) == y).float().mean().item()
    losses = history.step_loss
    return {"accuracy": acc, "final_loss": sum(losses[-20:]) / len(losses[-20:]),
            "losses": losses}
