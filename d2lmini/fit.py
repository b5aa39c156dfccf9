"""The one training loop of the library: `fit` knows nothing of the model or the task.

Every trainer of chapters 3 to 7 is a thin pair of functions handed to `fit`:

- `step(model, batch) -> (loss, n_items)`: move the batch to the model's device, run the
  model and return the *mean* loss over the batch's `n_items` (tokens, reviews, sequences);
- `evaluate(model) -> {name: number}`: called after every epoch, in eval mode and without
  gradients (see `d2lmini.utils.evaluating`).

`fit` does the rest: zero the gradients, backpropagate, clip the global gradient norm, take
the optimizer step, stop on a NaN/inf loss or gradient, time each epoch, show a progress
bar over the batches and a live curve, stop early when the monitored metric stops
improving, and put back the best weights. With `optimizer=None`, `step` updates the weights
itself (as the compiled word2vec trainer does) and `fit` skips the gradient steps but keeps
the rest. A chapter's own hand-written loop (chapter 2's `train_epoch_lm`) shows the same
steps one by one.
"""
import copy
import math
import numbers
import time
from dataclasses import dataclass, field

import torch
from torch import nn

from .errors import UserError
from .plotting import Animator
from .progress import ProgressBar
from .utils import ArgumentError, check_positive, check_positive_int, evaluating

__all__ = ["History", "TrainingDivergedError", "check_clip", "fit", "grad_clipping",
           "make_optimizer"]

OPTIMIZERS = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW}


class TrainingDivergedError(UserError, FloatingPointError):
    """The loss or the gradient norm became NaN or infinite during training."""


@dataclass
class History:
    """What `fit` measured: one entry per epoch in each list, plus the early-stopping result.

    `history["entity_f1"]` looks a name up among the fields, then `metrics` (the values
    `evaluate` returned, per epoch), then `info` (numbers a trainer adds, such as memory).
    `animator` is the live plot (an `Animator`, or None); it is not part of the numbers.
    """

    epoch: list = field(default_factory=list)       # 1, 2, ...
    train_loss: list = field(default_factory=list)  # mean loss per item over the epoch
    seconds: list = field(default_factory=list)     # training time of the epoch (no evaluation)
    items: list = field(default_factory=list)       # items (tokens, examples) trained on
    grad_norm: list = field(default_factory=list)   # mean gradient norm before clipping (or NaN)
    metrics: dict = field(default_factory=dict)     # name -> list of per-epoch values
    step_loss: list = field(default_factory=list)   # the loss of every batch, in order
    monitor: str | None = None                      # the metric early stopping watched
    best_epoch: int | None = None                   # epoch whose weights the model holds
    best_value: float | None = None                 # the monitored metric at best_epoch
    stopped_early: bool = False                     # True if patience ran out before max_epochs
    restored_best: bool = False                     # True if the best epoch's weights were put back
    info: dict = field(default_factory=dict)        # trainer-specific numbers
    animator: object = field(default=None, repr=False, compare=False)

    def __getitem__(self, key):
        if key in self.__dataclass_fields__ and key not in ("metrics", "info", "animator"):
            return getattr(self, key)
        for table in (self.metrics, self.info):
            if key in table:
                return table[key]
        raise KeyError(f"history has no {key!r}; it has {sorted(self.keys())}")

    def __contains__(self, key):
        return key in self.keys()

    def keys(self):
        """Every name `history[name]` accepts."""
        plain = [k for k in self.__dataclass_fields__ if k not in ("metrics", "info", "animator")]
        return plain + list(self.metrics) + list(self.info)

    @property
    def items_per_s(self):
        """Training speed of each epoch, in items per second."""
        return [n / s if s > 0 else math.nan for n, s in zip(self.items, self.seconds)]

    @property
    def epochs_run(self):
        """How many epochs were trained (fewer than asked if training stopped early)."""
        return len(self.epoch)

    def summary(self):
        """One line: epochs, time per epoch and, with a monitor, the best epoch and value."""
        line = (f"{self.epochs_run} epoch{'s' * (self.epochs_run != 1)}, "
                f"{sum(self.seconds) / max(1, self.epochs_run):.1f} s/epoch, "
                f"final train loss {self.train_loss[-1]:.4g}")
        if self.monitor is not None and self.best_epoch is not None:
            notes = [n for n, on in (("weights restored", self.restored_best),
                                     ("stopped early", self.stopped_early)) if on]
            line += f"; best {self.monitor} {self.best_value:.4g} at epoch {self.best_epoch}"
            line += f" ({', '.join(notes)})" if notes else ""
        return line


def check_clip(clip, name="clip"):
    """`clip` must be None or math.inf (no clipping) or a number > 0: the largest global norm."""
    ok = clip is None or (isinstance(clip, numbers.Real) and not isinstance(clip, bool)
                          and clip > 0)  # False for NaN too
    if not ok:
        raise ArgumentError(f"{name} must be a number > 0 (the largest allowed global gradient "
                            f"norm, e.g. 1.0), or None for no clipping; got {clip!r}")
    return None if clip is None or math.isinf(clip) else float(clip)


def grad_clipping(model_or_params, theta):
    """Rescale all gradients together so that their global L2 norm is at most `theta`.

    Returns the norm *before* clipping. Gradients already within `theta` are untouched;
    `theta=None` or `math.inf` only measures the norm. A NaN or infinite norm raises
    `TrainingDivergedError`: rescaling cannot repair it.
    """
    theta = check_clip(theta, "theta")
    if isinstance(model_or_params, nn.Module):
        params = model_or_params.parameters()
    else:
        params = model_or_params
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return 0.0
    norm = torch.sqrt(sum((g.detach() ** 2).sum() for g in grads)).item()
    if not math.isfinite(norm):
        raise TrainingDivergedError(f"the gradient norm is {norm}: the loss or the weights have "
                                    "overflowed; lower the learning rate or clip earlier")
    if theta is not None and norm > theta:
        with torch.no_grad():
            for g in grads:
                g.mul_(theta / norm)
    return norm


def make_optimizer(model, optimizer, lr=None):
    """A torch optimizer for `model`: `optimizer` is one already built, or 'sgd' / 'adam' /
    'adamw' together with a learning rate `lr` (finite, > 0)."""
    if isinstance(optimizer, torch.optim.Optimizer):
        return optimizer
    if not isinstance(optimizer, str) or optimizer.lower() not in OPTIMIZERS:
        raise ArgumentError(f"optimizer must be one of {sorted(OPTIMIZERS)} or a torch "
                            f"optimizer, got {optimizer!r}")
    lr = check_positive("lr", lr, hint="try 1e-3 for Adam or 0.1 to 1 for SGD")
    return OPTIMIZERS[optimizer.lower()](model.parameters(), lr=lr)


def _diverged(what, value, epoch, batch, optimizer, clip):
    lr = optimizer.param_groups[0].get("lr") if optimizer is not None else None
    advice = f"lower the learning rate (now {lr:g})" if isinstance(lr, float) else "lower the learning rate"
    if optimizer is not None:
        advice += " or clip gradients (e.g. clip=1.0)" if clip is None else f" or clip harder (now {clip:g})"
    return TrainingDivergedError(f"the {what} became {value} at epoch {epoch}, batch {batch}: "
                                 f"training diverged; {advice}")


def _batches_of(train_batches):
    """A fresh iterable of batches for one epoch, and its length if it has one."""
    batches = train_batches() if callable(train_batches) else train_batches
    try:
        total = len(batches)
    except TypeError:
        total = None
    return batches, total


def fit(model, train_batches, step, optimizer, *, max_epochs, lr=None, evaluate=None,
        monitor=None, mode="max", patience=None, restore_best=True, clip=None, progress=True,
        plot=None, curves=None, title=None, device=None):
    """Train `model` for up to `max_epochs` epochs and return a `History`.

    train_batches: a function returning a fresh iterable of batches for each epoch, or a
        re-iterable such as a DataLoader (not a one-shot generator).
    step, evaluate: see the module docstring; `evaluate` may be None.
    optimizer: a torch optimizer, or 'sgd' / 'adam' / 'adamw' with `lr`; None when `step`
        has already updated the weights (no backward, clipping or optimizer step; clip=None).
    monitor, mode, patience: early stopping on `evaluate`'s value `monitor` ('max': higher
        is better, 'min': lower is better); training stops after `patience` epochs without
        improvement (None: never early). With a monitor and `restore_best`, the model ends
        with the weights of its best epoch.
    clip: the largest global gradient norm (a finite number > 0), or None for no clipping.
    progress: a bar over each epoch's batches; plot: None (live in Jupyter, printed lines
        elsewhere), True, False, or an `Animator` to draw on; curves: names to plot
        (default: 'train_loss' and every metric of `evaluate`).
    device: move the model there first (None: leave it where it is).
    """
    max_epochs = check_positive_int("max_epochs", max_epochs)
    clip = check_clip(clip)
    if mode not in ("max", "min"):
        raise ArgumentError(f"mode must be 'max' or 'min', got {mode!r}")
    if patience is not None:
        patience = check_positive_int("patience", patience, hint="or None for no early stopping")
        if monitor is None:
            raise ArgumentError("patience needs a monitor: name the validation metric to watch")
    if monitor is not None and evaluate is None:
        raise ArgumentError(f"monitor={monitor!r} needs an evaluate function that returns it")
    if device is not None:
        model.to(device)
    if optimizer is None and clip is not None:
        raise UserError("clip needs an optimizer: with optimizer=None the step updates the "
                        "weights itself, so clip there or pass clip=None")
    optimizer = None if optimizer is None else make_optimizer(model, optimizer, lr)
    params = [p for p in model.parameters() if p.requires_grad]
    if isinstance(plot, Animator):
        animator = plot
    else:
        animator = Animator(xlabel="epoch", legend=list(curves or []), title=title, live=plot)
    history = History(monitor=monitor, animator=animator)
    better = (lambda a, b: a > b) if mode == "max" else (lambda a, b: a < b)
    best_state, waited = None, 0

    for epoch in range(1, max_epochs + 1):
        model.train()
        batches, total = _batches_of(train_batches)
        total_loss, total_items, norms = 0.0, 0, []
        desc = f"{title + ': ' if title else ''}epoch {epoch}/{max_epochs}"
        start = time.perf_counter()
        with ProgressBar(total, desc=desc, unit="batch", enabled=progress) as bar:
            for b, batch in enumerate(batches, 1):
                loss, n = step(model, batch)
                value = loss.item() if torch.is_tensor(loss) else float(loss)
                if not math.isfinite(value):
                    raise _diverged("loss", value, epoch, b, optimizer, clip)
                if optimizer is not None:
                    optimizer.zero_grad(set_to_none=True)
                    loss.backward()
                    try:
                        norms.append(grad_clipping(params, clip))   # the norm before clipping
                    except TrainingDivergedError:
                        raise _diverged("gradient norm", "inf or nan", epoch, b, optimizer,
                                        clip) from None
                    optimizer.step()
                total_loss, total_items = total_loss + value * n, total_items + n
                history.step_loss.append(value)
                bar.update(1, loss=value)
        if total_items == 0:
            raise UserError(f"the training batches were empty in epoch {epoch}: pass a function "
                            "returning a fresh iterator each epoch (e.g. lambda: make_batches()) "
                            "or a DataLoader, not a one-shot generator, and check the data is "
                            "not shorter than one batch")
        if next(iter(params), torch.empty(0)).is_cuda:
            torch.cuda.synchronize()
        history.seconds.append(time.perf_counter() - start)
        history.epoch.append(epoch)
        history.train_loss.append(total_loss / total_items)
        history.items.append(total_items)
        history.grad_norm.append(sum(norms) / len(norms) if norms else math.nan)
        scores = {}
        if evaluate is not None:
            with evaluating(model):
                scores = dict(evaluate(model))
            for name, value in scores.items():
                history.metrics.setdefault(name, [math.nan] * (epoch - 1)).append(value)
        shown = curves if curves is not None else ["train_loss", *scores]
        row = {"train_loss": history.train_loss[-1], **scores}
        animator.add(epoch, **{name: row[name] for name in shown if name in row})

        if monitor is not None:
            if monitor not in scores:
                raise ArgumentError(f"monitor={monitor!r} is not among the metrics evaluate "
                                    f"returned: {sorted(scores)}")
            current = scores[monitor]
            best = history.best_value
            if best is None or (math.isnan(best) and not math.isnan(current)) or better(current, best):
                history.best_epoch, history.best_value, waited = epoch, current, 0
                if restore_best:
                    best_state = copy.deepcopy(model.state_dict())
            else:
                waited += 1
                if patience is not None and waited >= patience:
                    history.stopped_early = epoch < max_epochs
                    break
    if best_state is not None:
        model.load_state_dict(best_state)
        history.restored_best = True
    elif monitor is None:
        history.best_epoch = history.epoch[-1]
    model.train()
    return history
