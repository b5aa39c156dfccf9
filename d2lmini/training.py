"""Training and evaluating recurrent language models (chapters 2 and 3)."""
import math
import time

import torch
from torch import nn
from tqdm.auto import tqdm

from .metrics import perplexity
from .plotting import Animator
from .utils import try_device


def grad_clipping(model_or_params, theta):
    """Rescale all gradients together so that their global L2 norm is at most `theta`.

    Returns the norm *before* clipping. Gradients already within `theta` are untouched.
    """
    if isinstance(model_or_params, nn.Module):
        params = model_or_params.parameters()
    else:
        params = model_or_params
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return 0.0
    norm = torch.sqrt(sum((g.detach() ** 2).sum() for g in grads)).item()
    if norm > theta:
        with torch.no_grad():
            for g in grads:
                g.mul_(theta / norm)
    return norm


def detach_state(state):
    """Cut the graph behind a hidden state (a tensor, or a tuple for LSTMs)."""
    if isinstance(state, (tuple, list)):
        return type(state)(s.detach() for s in state)
    return state.detach()


def _model_device(model):
    return next(model.parameters()).device


def evaluate_perplexity(model, data_iter, device=None, sequential=True):
    """Perplexity of `model` over every (X, Y) batch in `data_iter`, from the summed
    negative log-likelihood and the token count (not an average of batch averages).

    With `sequential=True` the state is carried from batch to batch (use it with
    `seq_data_iter_sequential`); otherwise it starts from zero for every batch.
    """
    device = device or _model_device(model)
    total_nll, num_tokens, state = 0.0, 0, None
    was_training = model.training
    model.eval()
    with torch.no_grad():
        for X, Y in data_iter:
            X, Y = X.to(device), Y.to(device)
            if state is None or not sequential:
                state = model.begin_state(X.shape[0], device)
            logits, state = model(X, state)
            total_nll += nn.functional.cross_entropy(
                logits.reshape(-1, logits.shape[-1]), Y.reshape(-1), reduction="sum").item()
            num_tokens += Y.numel()
    model.train(was_training)
    if num_tokens == 0:
        raise ValueError("evaluate_perplexity got no batches: is the text shorter than "
                         "batch_size * num_steps? Use a smaller batch or more text.")
    return perplexity(total_nll, num_tokens)


def predict_chars(prefix, num_preds, model, vocab, device=None, temperature=0, generator=None):
    """Continue `prefix` by `num_preds` tokens: greedy at temperature 0, sampled from
    softmax(logits / temperature) above it. Returns prefix + generated text."""
    if not prefix:
        raise ValueError("predict_chars needs a non-empty prefix to warm up the state")
    device = device or _model_device(model)
    was_training = model.training
    model.eval()
    tokens = list(prefix)
    with torch.no_grad():
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
    model.train(was_training)
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
        raise ValueError("the data iterator yielded no batches: corpus shorter than batch_size * num_steps?")
    return perplexity(total_nll, num_tokens), num_tokens / seconds, sum(norms) / len(norms)


def train_lm(model, data_iter_fn, vocab, lr, num_epochs, theta=1.0, device=None,
             use_random_iter=False, val_iter_fn=None, optimizer="sgd", prefix=None,
             progress=True, plot=None):
    """Train a language model with gradient clipping.

    `data_iter_fn()` (and `val_iter_fn()`) return a fresh iterator of (X, Y) batches for
    one epoch. With random sampling the state is reset for every batch; with sequential
    sampling it is carried over and detached. Prints/plots per-epoch perplexity and
    tokens/s and returns the history as a dict of lists.
    """
    device = device or try_device()
    model.to(device)
    if isinstance(optimizer, str):
        makers = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam}
        if optimizer.lower() not in makers:
            raise ValueError(f"optimizer must be 'sgd', 'adam' or a torch optimizer, got {optimizer!r}")
        optimizer = makers[optimizer.lower()](model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    history = {"epoch": [], "train_ppl": [], "val_ppl": [], "tokens_per_s": [], "grad_norm": []}
    legend = ["train"] + (["valid"] if val_iter_fn else [])
    animator = Animator(xlabel="epoch", ylabel="perplexity", legend=legend, yscale="log",
                        live=plot)
    for epoch in tqdm(range(1, num_epochs + 1), desc="epochs", disable=not progress,
                      leave=False):
        train_ppl, speed, norm = train_epoch_lm(
            model, data_iter_fn(), loss_fn, optimizer, theta, device, use_random_iter)
        val_ppl = (evaluate_perplexity(model, val_iter_fn(), device, not use_random_iter)
                   if val_iter_fn else math.nan)
        for key, value in zip(history, (epoch, train_ppl, val_ppl, speed, norm)):
            history[key].append(value)
        animator.add(epoch, train=train_ppl, **({"valid": val_ppl} if val_iter_fn else {}))
    line = f"train perplexity {history['train_ppl'][-1]:.2f}"
    if val_iter_fn:
        line += f", validation perplexity {history['val_ppl'][-1]:.2f}"
    line += f", {history['tokens_per_s'][-1]:,.0f} tokens/s on {device}"
    print(line)
    if prefix:
        print(predict_chars(prefix, 50, model, vocab, device))
    history["animator"] = animator
    return history
