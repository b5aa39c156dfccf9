"""Benchmark: our SGNS trainers vs gensim's Word2Vec on the same corpus, at equal quality.

Every trainer runs skip-gram with negative sampling with the same hyper-parameters (sg=1,
negative=5, window=5, dim=100, min_count=5, sample=1e-3, 5 epochs, lr 0.025 -> 1e-4) on the
same sentences, in one process, seeds interleaved (seed 0: every trainer, seed 1: every
trainer, ...). Speed is corpus words per second the way gensim counts them: raw words x
epochs / seconds of training (subsampling, windows and noise words included; the vocabulary
is built before the clock starts for all). Quality is scored by gensim's own
`evaluate_word_pairs` / `evaluate_word_analogies` (case-insensitive, its default) on
KeyedVectors built from each trainer's vectors: WordSim353 and SimLex-999 Spearman rho and
Google-analogy accuracy. Every figure is the median over seeds.

"Equal quality" (issue 17): both rhos within 0.02 of gensim's and analogy accuracy at least
0.95x gensim's, against the better of gensim's two rows on each measure.

    python -m benchmarks.sgns            # prints the table and the JSON dict
"""
import json
import os
import statistics
import time

# name -> (trainer, settings); "gensim" rows take `workers`, ours SGNSConfig overrides
VARIANTS = {
    "ours (default: compiled, noise words per pair, 2 threads)":
        ("ours", {"engine": "compiled", "share_negatives": 1, "workers": 2}),
    "ours (compiled, noise words per pair, 1 thread)":
        ("ours", {"engine": "compiled", "share_negatives": 1, "workers": 1}),
    "ours (compiled, noise words shared in a window, 2 threads)":
        ("ours", {"engine": "compiled", "share_negatives": "window", "workers": 2}),
    "ours (batched 4096 pairs, noise words shared by 64 pairs, 1 thread)":
        ("ours", {"engine": "batched", "share_negatives": 64, "batch_size": 4096}),
    "gensim (1 worker)": ("gensim", {"workers": 1}),
    "gensim (2 workers)": ("gensim", {"workers": 2}),
}
MEASURES = ("words_per_s", "wordsim353", "simlex999", "analogy_accuracy")


def _num(x):
    """Round for the report; NaN (too few pairs covered) becomes None, which JSON can hold."""
    return None if x is None or x != x else round(x, 4)


def equal_quality(row, gensim_rows):
    """Whether a row reaches gensim's quality: rhos within 0.02, analogies >= 0.95x (best gensim)."""
    best = {m: max(g[m] for g in gensim_rows if g[m] is not None) for m in MEASURES[1:]}
    return bool(row["wordsim353"] >= best["wordsim353"] - 0.02
                and row["simlex999"] >= best["simlex999"] - 0.02
                and row["analogy_accuracy"] >= 0.95 * best["analogy_accuracy"])


def table(summary):
    """The medians as a Markdown table (one row per trainer)."""
    lines = ["| trainer | words/s | WordSim353 rho | SimLex-999 rho | Google analogies | gensim's quality |",
             "|---|---|---|---|---|---|"]
    for name, row in summary["medians"].items():
        lines.append(f"| {name} | {row['words_per_s'] / 1000:,.0f} k | {row['wordsim353']:.3f} | "
                     f"{row['simlex999']:.3f} | {row['analogy_accuracy']:.4f} | "
                     f"{'yes' if row.get('equal_quality') else ('-' if 'gensim' in name else 'no')} |")
    return "\n".join(lines)


def run(repeats=7, epochs=5, variants=None, max_sentences=None, with_analogies=True, device=None,
        verbose=True):
    """Train every variant `repeats` times (seeds 0, 1, ...), interleaved; return a dict of
    measurements with per-run rows, medians, and the speed of the fastest variant at
    gensim's quality over gensim with 2 workers. `variants`: names of VARIANTS (default all);
    `max_sentences` trims the corpus for a smoke run; `device` is unused by the compiled
    trainer (CPU only) and kept for the harness."""
    from d2lmini.data import load_word2vec_corpus
    from d2lmini.vocab import Vocab
    from d2lmini.word2vec import SGNSConfig, gensim_scores, train_gensim, train_word2vec

    corpus = load_word2vec_corpus()
    sentences = corpus.sentences[:max_sentences] if max_sentences else corpus.sentences
    names = list(variants or VARIANTS)
    base = SGNSConfig(epochs=epochs)
    vocab = Vocab(sentences, min_freq=base.min_count)
    runs = {name: [] for name in names}
    load_start = os.getloadavg()[0]
    for seed in range(repeats):
        for name in names:
            kind, settings = VARIANTS[name]
            if kind == "gensim":
                vectors, stats = train_gensim(sentences, base, seed=seed, **settings)
            else:
                res = train_word2vec(sentences, vocab=vocab, config=base, seed=seed, progress=False,
                                     plot=False, **settings)
                vectors, stats = res.vectors, res.history
            scores = gensim_scores(vectors) if with_analogies else _pairs_only(vectors)
            row = {"seed": seed, "words_per_s": round(stats["words_per_s"]),
                   "seconds": round(stats["seconds"], 2), "cpu_seconds": round(stats["cpu_seconds"], 2),
                   **{k: _num(v) for k, v in scores.items()}}
            runs[name].append(row)
            if verbose:
                print(f"  seed {seed} {name}: {row['words_per_s']:,} words/s, WordSim {row['wordsim353']}, "
                      f"SimLex {row['simlex999']}, analogies {row.get('analogy_accuracy')}", flush=True)

    def med(name, key):
        values = [r[key] for r in runs[name] if r.get(key) is not None]
        return statistics.median(values) if values else None

    medians = {name: {key: med(name, key) for key in MEASURES + ("wordsim353_oov", "simlex999_oov",
                                                                 "analogy_coverage", "cpu_seconds")}
               for name in names}
    gensim_rows = [medians[n] for n in names if VARIANTS[n][0] == "gensim"]
    best = None
    if with_analogies and gensim_rows:
        for name in names:
            if VARIANTS[name][0] == "ours":
                medians[name]["equal_quality"] = equal_quality(medians[name], gensim_rows)
        at_quality = [n for n in names if medians[n].get("equal_quality")]
        best = max(at_quality, key=lambda n: medians[n]["words_per_s"], default=None)
    g2 = next((n for n in names if n == "gensim (2 workers)"), None)
    summary = {
        "corpus": corpus.name, "words": sum(map(len, sentences)), "epochs": epochs, "repeats": repeats,
        "variants": {n: VARIANTS[n][1] for n in names}, "medians": medians, "runs": runs,
        "best_at_gensim_quality": best,
        "ratio_vs_gensim_2_workers": (round(medians[best]["words_per_s"] / medians[g2]["words_per_s"], 3)
                                      if best and g2 else None),
        "load_average_1min": [round(load_start, 2), round(os.getloadavg()[0], 2)],
    }
    summary["goal_met"] = bool(summary["ratio_vs_gensim_2_workers"]
                               and summary["ratio_vs_gensim_2_workers"] >= 1.0)
    return summary


def _pairs_only(vectors):
    """WordSim353 / SimLex-999 only (a smoke run skips the slower analogy evaluation)."""
    from d2lmini.data import load_word_similarity
    from d2lmini.word2vec import evaluate_similarity
    out = {}
    for name in ("wordsim353", "simlex999"):
        r = evaluate_similarity(vectors, load_word_similarity(name).pairs)
        out[name], out[name + "_oov"] = r["spearman"], r["oov_rate"]
    out["analogy_accuracy"] = None
    return out


if __name__ == "__main__":
    t0 = time.perf_counter()
    result = run()
    result["wall_seconds"] = round(time.perf_counter() - t0, 1)
    print(table(result))
    print(json.dumps(result, indent=2))
