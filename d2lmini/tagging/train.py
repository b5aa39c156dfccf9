"""Training and evaluating an `RNNTagger` through the library's one loop, `fit`."""
import torch
from torch import nn

from ..fit import check_clip, fit
from ..metrics import tagging_scores
from ..utils import ArgumentError, evaluating, model_device, try_device
from .data import IGNORE_INDEX
from .decode import decode_tags
from .memory import SavedTensorMeter, state_bytes

__all__ = ["evaluate_tagger", "predict_tagged", "train_tagger"]


def predict_tagged(model, loader, label_names, device=None, decode="argmax"):
    """(gold, predicted) lists of string tag sequences, padding removed, in loader order.
    decode: 'argmax' per position, or 'bio' for the best valid BIO sequence (`bio_viterbi`)."""
    device = device or model_device(model)
    gold, pred = [], []
    with evaluating(model):
        for tokens, tags, lengths in loader:
            logits = model(tokens.to(device), lengths)        # (B, T, num_tags)
            best = decode_tags(logits, lengths, label_names, decode).cpu()   # (B, T)
            for g, p, n in zip(tags.tolist(), best.tolist(), lengths.tolist()):
                gold.append([label_names[i] for i in g[:n]])
                pred.append([label_names[i] for i in p[:n]])
    if not gold:
        raise ArgumentError("the loader yielded no sentences to tag")
    return gold, pred


def evaluate_tagger(model, loader, label_names, device=None, decode="argmax"):
    """`tagging_scores` of the model's predictions on `loader` (decoded by `decode`)."""
    gold, pred = predict_tagged(model, loader, label_names, device, decode)
    return tagging_scores(gold, pred, label_names)


def train_tagger(model, train_iter, valid_iter, label_names, num_epochs=10, lr=1e-3,
                 theta=5.0, *, patience=None, monitor="entity_f1", optimizer="adam",
                 device=None, progress=True, plot=None, title=None, decode="argmax",
                 measure_memory=True):
    """Train a tagger with `fit`: `CrossEntropyLoss(ignore_index=IGNORE_INDEX)`, Adam by
    default, gradient clipping at global norm `theta` (None: off), and after each epoch the
    validation scores of `evaluate_tagger` (tags decoded by `decode`). Early stopping
    watches `monitor` (default validation entity F1) with `patience` epochs (None: train all `num_epochs`), and the
    weights of the best epoch are restored.

    Returns a `History`: per-epoch `epoch`, `train_loss`, `seconds`, `tokens_per_s` and the
    validation `accuracy`, `token_macro_f1`, `entity_f1`, ...; `best_epoch`, `epochs_run`;
    and `memory_bytes` (measured CUDA peak on a GPU; on the CPU, largest activations saved
    for backward + parameters, gradients and Adam state), `activation_bytes`, `memory_method`.
    measure_memory=False skips the CPU measurement (about 7 % of the training time; the
    three memory entries are then None).
    """
    if model.num_tags != len(label_names):
        raise ArgumentError(f"the model has {model.num_tags} outputs but there are "
                            f"{len(label_names)} label names")
    device = torch.device(device) if device is not None else try_device()
    model.to(device)
    on_cuda = device.type == "cuda"
    loss_fn = nn.CrossEntropyLoss(ignore_index=IGNORE_INDEX)
    peaks = {"activations": 0, "cuda": 0}

    def batches():
        if on_cuda:                          # measure the training passes only
            torch.cuda.reset_peak_memory_stats(device)
        return train_iter

    def step(model, batch):
        tokens, tags, lengths = batch[0].to(device), batch[1].to(device), batch[2]
        with SavedTensorMeter(enabled=measure_memory) as meter:
            logits = model(tokens, lengths)                   # (B, T, num_tags)
            loss = loss_fn(logits.reshape(-1, logits.shape[-1]), tags.reshape(-1))
        peaks["activations"] = max(peaks["activations"], meter.bytes)
        return loss, int((tags != IGNORE_INDEX).sum())        # real (non-pad) tokens

    def evaluate(model):
        if on_cuda:
            peaks["cuda"] = max(peaks["cuda"], torch.cuda.max_memory_allocated(device))
        return evaluate_tagger(model, valid_iter, label_names, device, decode)

    history = fit(model, batches, step, optimizer, lr=lr, max_epochs=num_epochs,
                  evaluate=evaluate, monitor=monitor, mode="max", patience=patience,
                  clip=check_clip(theta, "theta"), progress=progress, plot=plot,
                  curves=["train_loss", "accuracy", "entity_f1"], title=title)
    history.metrics["tokens_per_s"] = history.items_per_s
    measured = measure_memory or on_cuda
    history.info["activation_bytes"] = peaks["activations"] if measure_memory else None
    history.info["memory_bytes"] = (peaks["cuda"] or peaks["activations"] + state_bytes(
        model, optimizer_slots=0 if optimizer == "sgd" else 2)) if measured else None
    history.info["memory_method"] = (("torch.cuda.max_memory_allocated" if peaks["cuda"] else
                                      "saved-for-backward bytes + params/grads/Adam state")
                                     if measured else None)
    print(f"{title + ': ' if title else ''}{history.summary()}")
    return history
