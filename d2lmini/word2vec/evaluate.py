"""Scoring word vectors: word-similarity correlation and analogy accuracy, with gensim's conventions.

`lower=True` compares words case-insensitively on both sides, as gensim's
`case_insensitive=True` does: every casing of a word in the vocabulary ("Paris", "paris")
is folded to one key, the most frequent casing (the first in the vocabulary's order) stands
for it, and the test words are folded the same way. `lower=False` is case-sensitive.
Folding uses `str.upper`, like gensim. `gensim_scores` scores the same vectors with gensim's
own evaluators, as a cross-check.
"""
import torch
import torch.nn.functional as F

__all__ = ["evaluate_similarity", "evaluate_analogies", "gensim_scores"]


def _keys(vectors, lower):
    """(key -> row, row -> key id): with lower, all casings share one key and the most frequent
    casing's row; without, every word is its own key."""
    if not lower:
        return vectors.index, torch.arange(len(vectors))
    index, key_ids, ids = {}, [], {}
    for i, w in enumerate(vectors.words):
        key = w.upper()
        index.setdefault(key, i)                  # the first (most frequent) casing wins
        key_ids.append(ids.setdefault(key, len(ids)))
    return index, torch.tensor(key_ids)


def _fold(word, lower):
    return word.upper() if lower else word


def evaluate_similarity(vectors, pairs, lower=True):
    """Spearman correlation between cosine similarities and human scores, on the pairs we cover.

    pairs: [(w1, w2, score)] (e.g. `load_word_similarity("wordsim353").pairs`). A pair is
    out of vocabulary (OOV) if either word is missing. Returns a dict with spearman, n_pairs,
    n_covered and oov_rate.
    """
    from scipy.stats import spearmanr
    if len(pairs) == 0:
        raise ValueError("no word pairs given")
    index, _ = _keys(vectors, lower)
    human, model = [], []
    for w1, w2, score in pairs:
        i, j = index.get(_fold(w1, lower)), index.get(_fold(w2, lower))
        if i is not None and j is not None:
            human.append(float(score))
            model.append(float(vectors.unit[i] @ vectors.unit[j]))
    covered = len(human)
    rho = float(spearmanr(human, model)[0]) if covered >= 2 else float("nan")
    return {"spearman": rho, "n_pairs": len(pairs), "n_covered": covered,
            "oov_rate": 1 - covered / len(pairs)}


def evaluate_analogies(vectors, sections, lower=True, batch_size=1024):
    """Accuracy on the analogy questions whose four words are all in the vocabulary.

    sections: {name: [(a, b, c, d)]} (e.g. `load_analogies().sections`); the answer to
    a:b :: c:? is the word nearest to b - a + c, skipping a, b and c in any casing (as in
    gensim). Returns a dict with accuracy, coverage, n_questions, n_covered, n_correct and
    per_section.
    """
    index, key_ids = _keys(vectors, lower)
    total = covered = correct = 0
    per_section = {}
    for name, questions in sections.items():
        rows = []
        for q in questions:
            r = [index.get(_fold(w, lower)) for w in q]
            if None not in r:
                rows.append(r)
        total += len(questions)
        sec_correct = 0
        if rows:
            idx = torch.tensor(rows)                                              # (Q, 4)
            for s in range(0, len(idx), batch_size):
                a, b, c, d = idx[s:s + batch_size].unbind(1)                      # (q,) each
                query = vectors.unit[b] - vectors.unit[a] + vectors.unit[c]       # (q, d)
                scores = F.normalize(query, dim=1) @ vectors.unit.T               # (q, V)
                for col in (a, b, c):       # skip every row whose key is a question word's key
                    scores[key_ids[None, :] == key_ids[col][:, None]] = -float("inf")
                sec_correct += int((key_ids[scores.argmax(dim=1)] == key_ids[d]).sum())
        per_section[name] = {"n_questions": len(questions), "n_covered": len(rows),
                             "accuracy": sec_correct / len(rows) if rows else float("nan")}
        covered += len(rows)
        correct += sec_correct
    if total == 0:
        raise ValueError("no analogy questions given")
    return {"accuracy": correct / covered if covered else float("nan"),
            "coverage": covered / total, "n_questions": total, "n_covered": covered,
            "n_correct": correct, "per_section": per_section}


def gensim_scores(vectors, lower=True):
    """WordSim353 and SimLex-999 Spearman rho and Google-analogy accuracy by gensim's own
    `evaluate_word_pairs` / `evaluate_word_analogies` on a KeyedVectors of `vectors`, with
    gensim's test files; returns a dict (rho, OOV rate, accuracy, coverage)."""
    import logging

    from gensim.test.utils import datapath
    from threadpoolctl import threadpool_limits      # installed with scikit-learn
    kv = vectors.to_gensim()
    out = {}
    gensim_log = logging.getLogger("gensim")
    level = gensim_log.level
    gensim_log.setLevel(logging.WARNING)          # its evaluators log every line
    # one BLAS thread: its many small products thrash on a busy machine (6x slower at load 6)
    limits = threadpool_limits(1)
    try:
        for name, filename in (("wordsim353", "wordsim353.tsv"), ("simlex999", "simlex999.txt")):
            _, spearman, oov = kv.evaluate_word_pairs(datapath(filename), case_insensitive=lower)
            out[name], out[name + "_oov"] = float(spearman[0]), oov / 100
        acc, sections = kv.evaluate_word_analogies(datapath("questions-words.txt"),
                                                   case_insensitive=lower)
    finally:
        gensim_log.setLevel(level)
        limits.restore_original_limits()
    with open(datapath("questions-words.txt"), encoding="utf-8") as f:
        n_total = sum(1 for line in f if line.strip() and not line.startswith(":"))
    scored = len(sections[-1]["correct"]) + len(sections[-1]["incorrect"])
    out.update(analogy_accuracy=float(acc), analogy_coverage=scored / n_total)
    return out
