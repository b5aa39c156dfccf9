"""Sentiment classification with a bidirectional GRU over packed sequences (chapter 7).

The pieces, in the order a chapter uses them:
tokenise reviews -> build a capped vocabulary with `<pad>` -> encode -> pad batches
(keeping the true lengths) -> `BiGRUClassifier` -> `train_sentiment` / `evaluate_sentiment`
-> `predict_sentiment` for a single text.
"""
import collections
import functools
import math
import re
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_sequence

from .fit import check_clip, fit
from .metrics import classification_scores
from .utils import ArgumentError, check_positive_int, evaluating, model_device, try_device
from .vocab import PAD, Vocab, check_token_ids

__all__ = ["BiGRUClassifier", "SentimentConfig", "accuracy_by_length", "build_review_vocab",
           "collate_reviews", "encode_reviews", "evaluate_sentiment", "predict_batches",
           "predict_sentiment", "review_loader", "tokenize_review", "train_sentiment"]

# Chinese/Japanese ideographs become one token each (there are no spaces to split on).
_CJK = r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
_TAG = re.compile(r"<[^>]{0,40}>")  # HTML line breaks such as <br /> in IMDb reviews
_TOKEN = re.compile(_CJK + r"|(?:(?!" + _CJK + r")\w)+(?:'(?:(?!" + _CJK + r")\w)+)*|[^\w\s]")


def tokenize_review(text):
    """Lower-case `text` and split it into words, numbers and single punctuation marks.

    Apostrophes inside words stay ("don't"), HTML tags such as `<br />` are dropped and
    every Chinese character is its own token.
    """
    if not isinstance(text, str):
        raise TypeError(f"tokenize_review expects one string, got {type(text).__name__}; "
                        "for many texts use [tokenize_review(t) for t in texts]")
    return _TOKEN.findall(_TAG.sub(" ", text).lower())


@dataclass
class SentimentConfig:
    """Every hyper-parameter of chapter 7 in one place: `BiGRUClassifier.from_config` takes
    the model's, `train_sentiment(config=...)` the training ones."""
    max_vocab: int = 20_000      # vocabulary size cap, <unk> and <pad> included
    min_freq: int = 1            # drop words seen fewer times than this in training
    max_len: int = 400           # keep the first max_len tokens of a review
    max_train: int | None = None # use only the first max_train training reviews (None: all)
    embed_size: int = 100
    num_hiddens: int = 64        # per direction
    num_layers: int = 1
    dropout: float = 0.3
    batch_size: int = 64
    lr: float = 3e-3             # Adam
    num_epochs: int = 6
    theta: float = 5.0           # gradient clipping by global norm
    seed: int = 0


def build_review_vocab(token_lists, max_size=20_000, min_freq=1):
    """A `Vocab` with `<unk>`, `<pad>` and the most frequent training words, at most
    `max_size` entries in all (ties broken alphabetically, so it is the same every run)."""
    if max_size < 3:
        raise ArgumentError(f"max_size={max_size} leaves no room for words next to <unk> and <pad>")
    counter = collections.Counter(tok for tokens in token_lists for tok in tokens)
    ranked = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
    kept = [(tok, n) for tok, n in ranked if n >= min_freq and tok != PAD][:max_size - 2]
    # Vocab counts tokens itself: hand it each kept word as often as it was seen.
    return Vocab(collections.Counter(dict(kept)).elements(), reserved_tokens=[PAD])


def encode_reviews(token_lists, vocab, max_len=None):
    """Token lists -> lists of indices, cut to `max_len` (None: keep every token); an empty
    review becomes [<unk>] (a packed sequence cannot have length 0)."""
    if max_len is not None:
        check_positive_int("max_len", max_len, hint="or None to keep whole reviews")
    out = []
    for tokens in token_lists:
        ids = vocab[list(tokens[:max_len] if max_len is not None else tokens)]
        out.append(ids or [vocab.unk])
    return out


def collate_reviews(batch, pad_index):
    """Pad one batch of (indices, label) pairs on the right with `pad_index`.

    Returns X (B, T) long, lengths (B,) long (the true lengths, on the CPU, as packing
    needs them) and y (B,) long. Take `pad_index` from `vocab.pad`, never a bare 0.
    """
    if isinstance(pad_index, Vocab):
        pad_index = pad_index.pad
    if not batch:
        raise ArgumentError("collate_reviews got an empty batch")
    seqs = [torch.as_tensor(ids, dtype=torch.long) for ids, _ in batch]
    if any(len(s) == 0 for s in seqs):
        raise ArgumentError("a review has no tokens; encode it with encode_reviews (which "
                         "turns an empty review into [<unk>])")
    X = pad_sequence(seqs, batch_first=True, padding_value=pad_index)  # (B, T)
    lengths = torch.tensor([len(s) for s in seqs], dtype=torch.long)   # (B,)
    y = torch.tensor([int(label) for _, label in batch], dtype=torch.long)  # (B,)
    return X, lengths, y


def review_loader(examples, vocab, batch_size=64, shuffle=False, seed=0):
    """A DataLoader of padded batches (X, lengths, y) from a list of (indices, label).

    Shuffling uses its own seeded generator, so two models trained with the same seed
    see the same batches; `num_workers=0` (worker processes break in notebooks on some
    systems and buy nothing here).
    """
    batch_size = check_positive_int("batch_size", batch_size)
    generator = torch.Generator().manual_seed(seed)
    return torch.utils.data.DataLoader(
        examples, batch_size=batch_size, shuffle=shuffle, generator=generator,
        num_workers=0, collate_fn=functools.partial(collate_reviews, pad_index=vocab.pad))


class BiGRUClassifier(nn.Module):
    """Embeddings -> bidirectional GRU -> linear layer on the final states of both directions.

    The sequences are packed, so the forward direction stops at each review's last real
    token and the backward direction starts there: padding never enters the features.
    With `naive_last_step=True` the GRU runs over the padded batch and the classifier
    reads `out[:, -1]` instead (the common mistake, kept for comparison): there the
    forward half has stepped through every `<pad>` after a short review and the backward
    half has seen nothing but the final `<pad>`.
    """

    def __init__(self, vocab, embed_size=100, num_hiddens=64, num_layers=1, num_classes=2,
                 dropout=0.0, naive_last_step=False):
        super().__init__()
        if not isinstance(vocab, Vocab):
            raise TypeError("BiGRUClassifier needs the Vocab itself (it takes the size and "
                            "vocab.pad from it), e.g. BiGRUClassifier(vocab, ...)")
        self.pad_index, self.vocab_size = vocab.pad, len(vocab)
        self.naive_last_step = naive_last_step
        self.embedding = nn.Embedding(len(vocab), embed_size, padding_idx=self.pad_index)
        self.gru = nn.GRU(embed_size, num_hiddens, num_layers=num_layers, batch_first=True,
                          bidirectional=True, dropout=dropout if num_layers > 1 else 0.0)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(2 * num_hiddens, num_classes)

    @classmethod
    def from_config(cls, vocab, config, num_classes=2, naive_last_step=False):
        """The classifier a `SentimentConfig` describes (embed_size, num_hiddens, num_layers, dropout)."""
        return cls(vocab, config.embed_size, config.num_hiddens, config.num_layers,
                   num_classes=num_classes, dropout=config.dropout, naive_last_step=naive_last_step)

    def features(self, X, lengths):
        """The (B, 2 * num_hiddens) vector the head classifies."""
        emb = self.dropout(self.embedding(X))                 # (B, T, E)
        if self.naive_last_step:
            out, _ = self.gru(emb)                            # (B, T, 2H), pads included
            return out[:, -1]                                 # (B, 2H) at the padded end
        packed = pack_padded_sequence(emb, lengths.cpu(), batch_first=True,
                                      enforce_sorted=False)
        _, h_n = self.gru(packed)                             # (layers * 2, B, H), batch order kept
        return torch.cat([h_n[-2], h_n[-1]], dim=1)           # (B, 2H): forward end, backward end

    def forward(self, X, lengths):
        """Class logits (B, num_classes) for right-padded indices X (B, T) with true `lengths` (B,)."""
        if X.dim() != 2:
            raise ArgumentError(f"X must be (batch, time) token indices, got shape {tuple(X.shape)}")
        if lengths.shape != X.shape[:1]:
            raise ArgumentError(f"lengths must have shape ({X.shape[0]},), got {tuple(lengths.shape)}")
        check_token_ids(X, self.vocab_size, "BiGRUClassifier")
        return self.head(self.dropout(self.features(X, lengths)))


def predict_batches(model, data_iter, device=None):
    """Run `model` over (X, lengths, y) batches; returns a dict of 1-D tensors:
    labels, preds, lengths, logits (B, C) and probs (B, C) of all examples in order."""
    device = device or model_device(model)
    parts = collections.defaultdict(list)
    with evaluating(model):
        for X, lengths, y in data_iter:
            logits = model(X.to(device), lengths)
            parts["logits"].append(logits.cpu())
            parts["probs"].append(torch.softmax(logits, dim=-1).cpu())
            parts["labels"].append(y)
            parts["lengths"].append(lengths)
    if not parts:
        raise ArgumentError("the data iterator yielded no batches")
    result = {k: torch.cat(v) for k, v in parts.items()}
    result["preds"] = result["probs"].argmax(dim=-1)
    return result


def evaluate_sentiment(model, data_iter, device=None):
    """Accuracy and macro F1 of `model` over every batch of `data_iter`."""
    res = predict_batches(model, data_iter, device)
    return classification_scores(res["labels"].numpy(), res["preds"].numpy())


def train_sentiment(model, train_iter, valid_iter=None, num_epochs=None, lr=None, theta=None, *,
                    config=None, patience=None, monitor="valid_f1", keep_best=True,
                    optimizer="adam", device=None, progress=True, plot=None, title=None):
    """Train a classifier with `fit`: cross-entropy, Adam by default, gradient clipping at
    global norm `theta`, and after each epoch the training loss and accuracy and the
    validation accuracy (`valid_acc`) and macro F1 (`valid_f1`).

    `num_epochs`, `lr` and `theta` default to those of `config` (a `SentimentConfig`;
    without one, its defaults). Early stopping watches `monitor` with `patience` epochs
    (None: train every epoch); with `keep_best` and a validation set the weights of the best
    epoch are restored at the end. Returns a `History` (`epoch`, `train_loss`, `train_acc`,
    `valid_acc`, `valid_f1`, `seconds`, `best_epoch`, ...).
    """
    config = config or SentimentConfig()
    num_epochs = config.num_epochs if num_epochs is None else num_epochs
    lr = config.lr if lr is None else lr
    theta = config.theta if theta is None else theta
    device = torch.device(device) if device is not None else try_device()
    model.to(device)
    loss_fn = nn.CrossEntropyLoss()
    tally = {"correct": 0, "count": 0}

    def step(model, batch):
        X, lengths, y = batch[0].to(device), batch[1], batch[2].to(device)
        logits = model(X, lengths)                           # (B, C)
        tally["correct"] += (logits.argmax(dim=-1) == y).sum().item()
        tally["count"] += len(y)
        return loss_fn(logits, y), len(y)

    def evaluate(model):
        scores = {"train_acc": tally["correct"] / max(1, tally["count"])}
        tally.update(correct=0, count=0)
        if valid_iter is not None:
            valid = evaluate_sentiment(model, valid_iter, device)
            scores.update(valid_acc=valid["accuracy"], valid_f1=valid["macro_f1"])
        return scores

    monitor = monitor if valid_iter is not None else None
    history = fit(model, train_iter, step, optimizer, lr=lr, max_epochs=num_epochs,
                  evaluate=evaluate, monitor=monitor, mode="max", patience=patience,
                  restore_best=keep_best, clip=check_clip(theta, "theta"), progress=progress,
                  plot=plot, curves=["train_loss", "train_acc", "valid_acc", "valid_f1"],
                  title=title)
    if valid_iter is None:
        for key in ("valid_acc", "valid_f1"):
            history.metrics[key] = [math.nan] * history.epochs_run
    print(f"{title + ': ' if title else ''}{history.summary()} on {device}")
    return history


def accuracy_by_length(lengths, y_true, y_pred, edges=(10, 20, 40, 80, 160, 320)):
    """Accuracy per review-length bucket: a list of (bucket name, count, accuracy).

    `edges` are the upper ends of the buckets (in tokens); empty buckets are left out.
    """
    lengths, y_true, y_pred = (torch.as_tensor(a) for a in (lengths, y_true, y_pred))
    bounds = [0, *edges, math.inf]
    rows = []
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        mask = (lengths > lo) & (lengths <= hi)
        n = int(mask.sum())
        if n:
            name = f"{lo + 1}-{hi}" if hi != math.inf else f">{lo}"
            rows.append((name, n, float((y_true[mask] == y_pred[mask]).float().mean())))
    return rows


def predict_sentiment(model, vocab, text, positive_label=1, max_len=None, temperature=1.0):
    """Probability that `text` belongs to class `positive_label` (a float in [0, 1]), from
    softmax(logits / temperature) (see `d2lmini.calibration.fit_temperature`)."""
    if not temperature > 0:
        raise ArgumentError(f"temperature must be > 0, got {temperature}")
    tokens = tokenize_review(text)
    if not tokens:
        raise ArgumentError("the text has no words to classify; type a review")
    ids = encode_reviews([tokens], vocab, max_len)[0]
    device = model_device(model)
    X = torch.tensor([ids], device=device)                  # (1, T)
    lengths = torch.tensor([len(ids)])                      # (1,)
    with evaluating(model):
        return torch.softmax(model(X, lengths) / temperature, dim=-1)[0, positive_label].item()
