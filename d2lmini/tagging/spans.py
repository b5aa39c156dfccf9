"""BIO tags as entity spans: `bio_to_spans`, a by-hand entity P/R/F1 and a readable view."""
from ..utils import ArgumentError

__all__ = ["bio_to_spans", "entity_prf", "show_entities", "split_tag"]


def split_tag(tag):
    """('B' | 'I' | 'O', entity type or None) of one BIO tag; anything else is an error."""
    prefix, _, label = tag.partition("-")
    if tag == "O":
        return "O", None
    if prefix not in ("B", "I") or not label:
        raise ArgumentError(f"not a BIO tag: {tag!r} (expected 'O', 'B-TYPE' or 'I-TYPE')")
    return prefix, label


def bio_to_spans(tags, strict=True):
    """Entity spans `(type, start, end)` (end exclusive) of one BIO tag sequence.

    strict=True (IOB2, like seqeval's strict mode): an entity is `B-X` followed by any
    number of `I-X`; an `I-X` that does not continue an `X` entity is ignored.
    strict=False (conlleval-like): such an `I-X` starts a new entity instead.
    """
    spans, start, kind = [], None, None
    for i, tag in enumerate(list(tags) + ["O"]):   # the extra "O" closes a final entity
        prefix, label = split_tag(tag)
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
        raise ArgumentError(f"{len(gold_seqs)} gold sequences but {len(pred_seqs)} predicted ones")
    tp = n_gold = n_pred = 0
    for gold, pred in zip(gold_seqs, pred_seqs):
        if len(gold) != len(pred):
            raise ArgumentError("a gold and a predicted sequence differ in length")
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
