"""Training and evaluating recurrent language models (chapters 2 and 3).

`train_epoch_lm` is chapter 2's loop written out step by step; `train_lm` runs the same
steps through the library's one training loop, `d2lmini.fit.fit`.
"""
import math
import time

import torch
from torch import nn

from .fit import check_clip, fit, grad_clipping
from .metrics import perplexity
from .plotting import Animator
from .utils import ArgumentError, check_positive_int, evaluating, model_device, try_device

__all__ = ["detach_state", "evaluate_perplexity", "heldout_perplexity", "predict_chars",
           "train_epoch_lm", "train_lm"]


def detach_state(state):
    """Cut the graph behind a hidden state (a tensor, or a tuple for LSTMs)."""
    if isinstance(state, (tuple, list)):
        return type(state)(s.detach() for s in state)
    return state.detach()


def evaluate_perplexity(model, data_iter, device=None, sequential=True):
    """Perplexity of `model` over every (X, Y) batch in `data_iter`, from the summed
    negative log-likelihood and the token count (not an average of batch averages).

    With `sequential=True` the state is carried from batch to batch (use it with
    `seq_data_iter_sequential`); otherwise it starts from zero for every batch.
    """
    device = device or model_device(model)
    total_nll, num_tokens, state = 0.0, 0, None
    with evaluating(model):
        for X, Y in data_iter:
            X, Y = X.to(device), Y.to(device)
            if state is None or not sequential:
                state = model.begin_state(X.shape[0], device)
            logits, state = model(X, state)
            total_nll += nn.functional.cross_entropy(
                logits.reshape(-1, logits.shape[-1]), Y.reshape(-1), reduction="sum").item()
            num_tokens += Y.numel()
    if num_tokens == 0:
        raise ArgumentError("evaluate_perplexity got no batches: is the text shorter than "
                         "batch_size * num_steps? Use a smaller batch or more text.")
    return perplexity(total_nll, num_tokens)


def heldout_perplexity(model, ids, num_steps=35, batch_size=64, device=None):
    """Perplexity of `model` on every token of the held-out id sequence `ids`, both ways.

    Returns {"carried": ..., "reset": ..., "num_tokens": len(ids) - 1}. "carried" reads the
    whole text as one stream (batch 1), the state carried from start to end: the
    language-model convention. "reset" cuts it into `num_steps`-long pieces, each starting
    from a zero state, `batch_size` pieces at a time, the last (shorter) piece included.
    Unlike the batch iterators, neither drops the tail that does not fill a batch.
    """
    num_steps = check_positive_int("num_steps", num_steps)
    batch_size = check_positive_int("batch_size", batch_size)
    ids = torch.as_tensor(list(ids) if not torch.is_tensor(ids) else ids, dtype=torch.long)
    if ids.dim() != 1 or len(ids) < 2:
        raise ArgumentError(f"ids must be a flat sequence of at least 2 token ids (one to read, "
                            f"one to predict), got shape {tuple(ids.shape)}")
    device = device or model_device(model)
    X, Y = ids[:-1].to(device), ids[1:].to(device)      # predict Y[t] from X[..t]
    n = len(Y)

    def nll(logits, targets):                          # summed over every position
        return nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                           targets.reshape(-1), reduction="sum").item()

    with evaluating(model):
        carried, state = 0.0, model.begin_state(1, device)
        for i in range(0, n, num_steps):               # one (1, <= num_steps) piece at a time
            logits, state = model(X[None, i:i + num_steps], state)
            carried += nll(logits, Y[None, i:i + num_steps])
        reset, full = 0.0, (n // num_steps) * num_steps
        Xs, Ys = X[:full].reshape(-1, num_steps), Y[:full].reshape(-1, num_steps)  # (pieces, num_steps)
        for i in range(0, len(Xs), batch_size):
            logits, _ = model(Xs[i:i + batch_size], model.begin_state(len(Xs[i:i + batch_size]), device))
            reset += nll(logits, Ys[i:i + batch_size])
        if full < n:                                   # the last, shorter piece
            logits, _ = model(X[None, full:], model.begin_state(1, device))
            reset += nll(logits, Y[None, full:])
    return {"carried": perplexity(carried, n), "reset": perplexity(reset, n), "num_tokens": n}


def predict_chars(prefix, num_preds, model, vocab, device=None, temperature=0, generator=None):
    """Continue `prefix` by `num_preds` tokens: greedy at temperature 0, sampled from
    softmax(logits / temperature) above it. Returns prefix + generated text."""
    if not prefix:
        raise ArgumentError("predict_chars needs a non-empty prefix to warm up the state")
    if not isinstance(temperature, (int, float)) or not temperature >= 0 or math.isinf(temperature):
        raise ArgumentError(f"temperature must be a finite number >= 0 (0: always the most likely "
                            f"token), got {temperature!r}")
    device = device or model_device(model)
    tokens = list(prefix)
    with evaluating(model):
        state = model.begin_state(1, device)
        X = torch.tensor([vocab[tokens]], device=device)  # (1, len(prefix))
        logits, state = model(X, state)                   # warm-up over the prefix
        out = []
        for _ in range(num_preds):
            last = logits[0, -1]
            if temperature == 0:
                idx = int(last.argmax())
            else:
                probs = torch.softmax(last / temperature, dim=-1)
                idx = int(torch.multinomial(probs.cpu(), 1, generator=generator))
            out.append(idx)
            logits, state = model(torch.tensor([[idx]], device=device), state)
    return prefix + "".join(vocab.to_tokens(out))


def train_epoch_lm(model, data_iter, loss_fn, optimizer, theta, device, use_random_iter):
    """One pass over `data_iter`; returns (training perplexity, tokens per second, mean grad norm)."""
    state, total_nll, num_tokens, norms = None, 0.0, 0, []
    start = time.perf_counter()
    for X, Y in data_iter:
        X, Y = X.to(device), Y.to(device)
        if state is None or use_random_iter:
            state = model.begin_state(X.shape[0], device)  # batches are not adjacent
        else:
            state = detach_state(state)  # keep the values, drop the old graph
        logits, state = model(X, state)
        loss = loss_fn(logits.reshape(-1, logits.shape[-1]), Y.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        norms.append(grad_clipping(model, theta))
        optimizer.step()
        total_nll += loss.item() * Y.numel()
        num_tokens += Y.numel()
    seconds = time.perf_counter() - start
    if num_tokens == 0:
        raise ArgumentError("the data iterator yielded no batches: is the text shorter than "
                            "batch_size * num_steps? Use a smaller batch or more text.")
    return perplexity(total_nll, num_tokens), num_tokens / seconds, sum(norms) / len(norms)


def train_lm(model, train_iter, valid_iter=None, num_epochs=None, lr=None, theta=1.0, *,
             vocab=None, prefix=None, use_random_iter=False, optimizer="sgd", patience=None,
             monitor=None, device=None, progress=True, plot=None, title=None):
    """Train a language model with `fit`; returns its `History`.

    `train_iter()` (and `valid_iter()`) return a fresh iterator of (X, Y) batches for one
    epoch. With `use_random_iter` the state is reset for every batch (batches are not
    adjacent in the text); otherwise it is carried over and detached. `theta` is the
    clipping norm (None: off). The validation perplexity uses the same convention as
    training, which `history.info["val_state"]` names. With `patience` training stops once
    validation perplexity has not improved for that many epochs and keeps the best weights.
    `prefix` (with `vocab`) prints a 50-character continuation at the end.
    History keys: `train_ppl`, `val_ppl`, `tokens_per_s`, `grad_norm`, `epoch`, ...
    """
    for name, it in (("train_iter", train_iter), ("valid_iter", valid_iter)):
        if it is not None and not callable(it):
            raise ArgumentError(f"{name} must be a function returning a fresh iterator of (X, Y) "
                                f"batches, got {type(it).__name__}; train_lm's third argument is "
                                "valid_iter (pass the vocabulary as vocab=...)")
    if prefix and vocab is None:
        raise ArgumentError("prefix needs vocab= to turn generated ids back into text")
    if patience is not None and valid_iter is None:
        raise ArgumentError("patience needs valid_iter: early stopping watches validation perplexity")
    theta = check_clip(theta, "theta")
    device = torch.device(device) if device is not None else try_device()
    model.to(device)
    state, tally = [None], {"nll": 0.0, "tokens": 0}

    def batches():
        state[0] = None                      # a new epoch starts from a fresh state
        return train_iter()

    def step(model, batch):
        X, Y = batch[0].to(device), batch[1].to(device)      # (batch, num_steps) each
        if state[0] is None or use_random_iter:
            state[0] = model.begin_state(X.shape[0], device)
        logits, state[0] = model(X, detach_state(state[0]))  # (batch, num_steps, V)
        loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), Y.reshape(-1))
        tally["nll"], tally["tokens"] = tally["nll"] + loss.item() * Y.numel(), tally["tokens"] + Y.numel()
        return loss, Y.numel()

    def evaluate(model):
        scores = {"train_ppl": perplexity(tally["nll"], tally["tokens"])}
        tally.update(nll=0.0, tokens=0)
        if valid_iter is not None:
            scores["val_ppl"] = evaluate_perplexity(model, valid_iter(), device, not use_random_iter)
        return scores

    if monitor is None and patience is not None:
        monitor = "val_ppl"
    animator = plot if isinstance(plot, Animator) else Animator(
        xlabel="epoch", ylabel="perplexity", yscale="log", title=title, live=plot,
        legend=["train_ppl"] + (["val_ppl"] if valid_iter is not None else []))
    history = fit(model, batches, step, optimizer, lr=lr, max_epochs=num_epochs,
                  evaluate=evaluate, monitor=monitor, mode="min" if monitor == "val_ppl" else "max",
                  patience=patience, clip=theta, progress=progress, plot=animator,
                  curves=animator.legend, title=title)
    history.metrics["tokens_per_s"] = history.items_per_s
    if valid_iter is None:
        history.metrics["val_ppl"] = [math.nan] * history.epochs_run
    history.info["val_state"] = ("reset for every batch" if use_random_iter
                                 else "carried from batch to batch")
    line = f"train perplexity {history['train_ppl'][-1]:.2f}"
    if valid_iter is not None:
        line += (f", validation perplexity {history['val_ppl'][-1]:.2f} "
                 f"(state {history.info['val_state']})")
    line += f", {history['tokens_per_s'][-1]:,.0f} tokens/s on {device}"
    if history.stopped_early:
        line += f"; stopped after {history.epochs_run} epochs, best epoch {history.best_epoch} restored"
    print(line)
    if prefix:
        print(predict_chars(prefix, 50, model, vocab, device))
    return history
