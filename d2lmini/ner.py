"""Named-entity recognition with BIO tags: spans, metrics, batches and a training loop
for `RNNTagger` (chapters 4 and 5).

Metrics, and what they count:
- token accuracy: correct tags / real (non-pad) tokens;
- token macro F1: scikit-learn's macro F1 over the tag ids of real tokens, `O` *included*
  (the seeds' metric), over the tags that occur in the gold or the predicted tags;
  `token_macro_f1_no_o` leaves `O` out of the average;
- entity precision/recall/F1: seqeval, strict IOB2 (`mode="strict", scheme=IOB2`): an entity
  counts only if its type and both boundaries match and it starts with `B-`. seqeval's
  default (conlleval-like, lenient) mode is reported beside it as `entity_f1_lenient`.
"""
import torch
from torch import nn

from .data import pad_tagging_batch
from .fit import check_clip, fit
from .utils import ArgumentError, evaluating, model_device, try_device
from .vocab import PAD, Vocab

IGNORE_INDEX = -100  # tag id of padding positions; CrossEntropyLoss skips it


# --------------------------------------------------------------------------- BIO spans
def _split_tag(tag):
    prefix, _, label = tag.partition("-")
    if tag == "O":
        return "O", None
    if prefix not in ("B", "I") or not label:
        raise ValueError(f"not a BIO tag: {tag!r} (expected 'O', 'B-TYPE' or 'I-TYPE')")
    return prefix, label


def bio_to_spans(tags, strict=True):
    """Entity spans `(type, start, end)` (end exclusive) of one BIO tag sequence.

    strict=True (IOB2, like seqeval's strict mode): an entity is `B-X` followed by any
    number of `I-X`; an `I-X` that does not continue an `X` entity is ignored.
    strict=False (conlleval-like): such an `I-X` starts a new entity instead.
    """
    spans, start, kind = [], None, None
    for i, tag in enumerate(list(tags) + ["O"]):   # the extra "O" closes a final entity
        prefix, label = _split_tag(tag)
        continues = prefix == "I" and label == kind
        if kind is not None and not continues:
            spans.append((kind, start, i))
            kind = None
        if prefix == "B" or (prefix == "I" and not continues and not strict):
            start, kind = i, label
    return spans


def entity_prf(gold_seqs, pred_seqs, strict=True):
    """Entity precision, recall and F1 from exact span matches, computed by hand with
    `bio_to_spans` (a check on seqeval; use `tagging_scores` in practice)."""
    if len(gold_seqs) != len(pred_seqs):
        raise ValueError(f"{len(gold_seqs)} gold sequences but {len(pred_seqs)} predicted ones")
    tp = n_gold = n_pred = 0
    for gold, pred in zip(gold_seqs, pred_seqs):
        if len(gold) != len(pred):
            raise ValueError("a gold and a predicted sequence differ in length")
        g, p = set(bio_to_spans(gold, strict)), set(bio_to_spans(pred, strict))
        tp, n_gold, n_pred = tp + len(g & p), n_gold + len(g), n_pred + len(p)
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def show_entities(tokens, tags):
    """The sentence as one string with each entity bracketed: '[Empire State Building|facility]'."""
    words, spans = list(tokens), bio_to_spans(tags, strict=False)
    for kind, start, end in reversed(spans):
        words[start:end] = ["[" + " ".join(words[start:end]) + "|" + kind + "]"]
    return " ".join(words)


# --------------------------------------------------------------------------- metrics
def tagging_scores(gold_seqs, pred_seqs, label_names):
    """All metrics of this module (see its docstring) for lists of string tag sequences."""
    from seqeval.metrics import f1_score as seq_f1, precision_score, recall_score
    from seqeval.scheme import IOB2
    from sklearn.metrics import f1_score

    tag_to_idx = {name: i for i, name in enumerate(label_names)}
    gold_flat = [tag_to_idx[t] for seq in gold_seqs for t in seq]
    pred_flat = [tag_to_idx[t] for seq in pred_seqs for t in seq]
    if not gold_flat or len(gold_flat) != len(pred_flat):
        raise ValueError("need non-empty gold and predicted sequences of equal lengths")
    present = sorted(set(gold_flat) | set(pred_flat))
    no_o = [i for i in present if label_names[i] != "O"]
    strict = {"mode": "strict", "scheme": IOB2, "zero_division": 0}
    return {
        "accuracy": sum(g == p for g, p in zip(gold_flat, pred_flat)) / len(gold_flat),
        "token_macro_f1": f1_score(gold_flat, pred_flat, labels=present, average="macro",
                                   zero_division=0),
        "token_macro_f1_no_o": (f1_score(gold_flat, pred_flat, labels=no_o, average="macro",
                                         zero_division=0) if no_o else 0.0),
        "entity_precision": precision_score(gold_seqs, pred_seqs, **strict),
        "entity_recall": recall_score(gold_seqs, pred_seqs, **strict),
        "entity_f1": seq_f1(gold_seqs, pred_seqs, **strict),
        "entity_f1_lenient": seq_f1(gold_seqs, pred_seqs, zero_division=0),
    }


def entity_report(gold_seqs, pred_seqs):
    """Per-entity-type precision/recall/F1/support (strict IOB2) as a pandas DataFrame."""
    import pandas as pd
    from seqeval.metrics import classification_report
    from seqeval.scheme import IOB2

    report = classification_report(gold_seqs, pred_seqs, mode="strict", scheme=IOB2,
                                   output_dict=True, zero_division=0)
    df = pd.DataFrame(report).T
    df["support"] = df["support"].astype(int)
    return df


# --------------------------------------------------------------------------- data
def build_tagging_vocab(train_sentences, min_freq=1, lower=False):
    """Word `Vocab` (with `<pad>`) from the training split's tokens; `lower=True` case-folds."""
    tokens = [tok.lower() if lower else tok for toks, _ in train_sentences for tok in toks]
    return Vocab(tokens, min_freq=min_freq, reserved_tokens=[PAD])


def tag_index(label_names):
    """{tag: id} in the dataset's own label order (never a `{t: t}` guess)."""
    if len(set(label_names)) != len(label_names):
        raise ValueError(f"label_names has duplicates: {label_names}")
    return {name: i for i, name in enumerate(label_names)}


def encode_tagged(sentences, vocab, label_names, lower=False):
    """[(tokens, tags)] of strings -> [(token ids, tag ids)]; unseen words become `<unk>`."""
    tag_to_idx = tag_index(label_names)
    encoded = []
    for tokens, tags in sentences:
        if len(tokens) != len(tags):
            raise ValueError(f"a sentence has {len(tokens)} tokens but {len(tags)} tags")
        try:
            tag_ids = [tag_to_idx[t] for t in tags]
        except KeyError as err:
            raise KeyError(f"tag {err} is not in label_names {label_names}") from None
        encoded.append((vocab[[t.lower() if lower else t for t in tokens]], tag_ids))
    return encoded


def tagging_loader(encoded, vocab, batch_size=32, shuffle=False, seed=0):
    """DataLoader of padded batches `(tokens (B,T), tags (B,T), lengths (B,))`; padded tag
    positions hold `IGNORE_INDEX`. Single process (num_workers=0); shuffling is seeded."""
    from functools import partial

    from torch.utils.data import DataLoader


    generator = torch.Generator().manual_seed(seed) if shuffle else None
    collate = partial(pad_tagging_batch, pad_index=vocab.pad, ignore_index=IGNORE_INDEX)
    return DataLoader(encoded, batch_size=batch_size, shuffle=shuffle, collate_fn=collate,
                      num_workers=0, generator=generator)


# --------------------------------------------------------------------------- memory
class SavedTensorMeter:
    """Context manager counting the bytes autograd keeps for the backward pass (the
    activations), each storage once. Works on every device, unlike tracemalloc, which
    does not see PyTorch's allocations."""

    def __enter__(self):
        self.bytes, self._seen = 0, set()

        def pack(t):
            storage = t.untyped_storage()
            key = (t.device, storage.data_ptr())
            if key not in self._seen:
                self._seen.add(key)
                self.bytes += storage.nbytes()
            return t

        self._hooks = torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t)
        self._hooks.__enter__()
        return self

    def __exit__(self, *exc):
        self._hooks.__exit__(*exc)
        return False


def state_bytes(model, optimizer_slots=2):
    """Bytes of parameters + gradients + optimizer state (Adam keeps 2 slots per parameter)."""
    n = sum(p.numel() * p.element_size() for p in model.parameters() if p.requires_grad)
    return n * (2 + optimizer_slots)


# --------------------------------------------------------------------------- training
def predict_tagged(model, loader, label_names, device=None):
    """(gold, predicted) lists of string tag sequences, padding removed, in loader order."""
    device = device or model_device(model)
    gold, pred = [], []
    with evaluating(model):
        for tokens, tags, lengths in loader:
            logits = model(tokens.to(device), lengths)        # (B, T, num_tags)
            best = logits.argmax(dim=-1).cpu()                # (B, T)
            for g, p, n in zip(tags.tolist(), best.tolist(), lengths.tolist()):
                gold.append([label_names[i] for i in g[:n]])
                pred.append([label_names[i] for i in p[:n]])
    if not gold:
        raise ArgumentError("the loader yielded no sentences to tag")
    return gold, pred


def evaluate_tagger(model, loader, label_names, device=None):
    """`tagging_scores` of the model's predictions on `loader`."""
    gold, pred = predict_tagged(model, loader, label_names, device)
    return tagging_scores(gold, pred, label_names)


def train_tagger(model, train_iter, valid_iter, label_names, num_epochs=10, lr=1e-3,
                 theta=5.0, *, patience=None, monitor="entity_f1", optimizer="adam",
                 device=None, progress=True, plot=None, title=None):
    """Train a tagger with `fit`: `CrossEntropyLoss(ignore_index=IGNORE_INDEX)`, Adam by
    default, gradient clipping at global norm `theta` (None: off), and after each epoch the
    validation scores of `evaluate_tagger`. Early stopping watches `monitor` (default
    validation entity F1) with `patience` epochs (None: train all `num_epochs`), and the
    weights of the best epoch are restored.

    Returns a `History`: per-epoch `epoch`, `train_loss`, `seconds`, `tokens_per_s` and the
    validation `accuracy`, `token_macro_f1`, `entity_f1`, ...; `best_epoch`, `epochs_run`;
    and `memory_bytes` (measured CUDA peak on a GPU; on the CPU, largest activations saved
    for backward + parameters, gradients and Adam state), `activation_bytes`, `memory_method`.
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
        with SavedTensorMeter() as meter:
            logits = model(tokens, lengths)                   # (B, T, num_tags)
            loss = loss_fn(logits.reshape(-1, logits.shape[-1]), tags.reshape(-1))
        peaks["activations"] = max(peaks["activations"], meter.bytes)
        return loss, int((tags != IGNORE_INDEX).sum())        # real (non-pad) tokens

    def evaluate(model):
        if on_cuda:
            peaks["cuda"] = max(peaks["cuda"], torch.cuda.max_memory_allocated(device))
        return evaluate_tagger(model, valid_iter, label_names, device)

    history = fit(model, batches, step, optimizer, lr=lr, max_epochs=num_epochs,
                  evaluate=evaluate, monitor=monitor, mode="max", patience=patience,
                  clip=check_clip(theta, "theta"), progress=progress, plot=plot,
                  curves=["train_loss", "accuracy", "entity_f1"], title=title)
    history.metrics["tokens_per_s"] = history.items_per_s
    history.info["activation_bytes"] = peaks["activations"]
    history.info["memory_bytes"] = peaks["cuda"] or peaks["activations"] + state_bytes(
        model, optimizer_slots=0 if optimizer == "sgd" else 2)
    history.info["memory_method"] = ("torch.cuda.max_memory_allocated" if peaks["cuda"] else
                                     "saved-for-backward bytes + params/grads/Adam state")
    print(f"{title + ': ' if title else ''}{history.summary()}")
    return history
