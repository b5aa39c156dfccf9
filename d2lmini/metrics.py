"""Evaluation metrics shared by the chapters, and what each one counts.

- perplexity: exp(summed negative log-likelihood / number of predicted tokens);
- token accuracy: correct tags / real (non-pad) tokens;
- token macro F1: scikit-learn's macro F1 over the tag ids of real tokens, `O` *included*
  (the metric of a common tutorial version), over the tags that occur in the gold or the
  predicted tags; `token_macro_f1_no_o` leaves `O` out of the average;
- entity precision/recall/F1: seqeval, strict IOB2 (`mode="strict", scheme=IOB2`): an entity
  counts only if its type and both boundaries match and it starts with `B-`. seqeval's
  default (conlleval-like, lenient) mode is reported beside it as `entity_f1_lenient`;
- classification accuracy and macro F1 (the unweighted mean of the per-class F1 scores).
"""
import math

from .utils import ArgumentError

__all__ = ["classification_scores", "entity_report", "perplexity", "tagging_scores"]


def perplexity(total_nll, num_tokens):
    """exp(total negative log-likelihood / total tokens): 1 is perfect, the vocabulary
    size is what a uniform guess scores. Never the mean of per-batch exp(loss).
    A diverged model's perplexity is `math.inf`, not an overflow error."""
    if not num_tokens > 0:
        raise ArgumentError(f"perplexity needs at least one token, got num_tokens={num_tokens!r}")
    mean = total_nll / num_tokens
    return math.inf if mean >= 700 else math.exp(mean)   # exp overflows a float above ~709.78


def tagging_scores(gold_seqs, pred_seqs, label_names):
    """Token and entity metrics (see the module docstring) for lists of string tag sequences."""
    from seqeval.metrics import f1_score as seq_f1, precision_score, recall_score
    from seqeval.scheme import IOB2
    from sklearn.metrics import f1_score

    tag_to_idx = {name: i for i, name in enumerate(label_names)}
    gold_flat = [tag_to_idx[t] for seq in gold_seqs for t in seq]
    pred_flat = [tag_to_idx[t] for seq in pred_seqs for t in seq]
    if not gold_flat or len(gold_flat) != len(pred_flat):
        raise ArgumentError("need non-empty gold and predicted sequences of equal lengths")
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


def classification_scores(y_true, y_pred):
    """Accuracy and macro F1 (the unweighted mean of the per-class F1 scores)."""
    from sklearn.metrics import accuracy_score, f1_score
    return {"accuracy": float(accuracy_score(y_true, y_pred)),
            "macro_f1": float(f1_score(y_true, y_pred, average="macro"))}
