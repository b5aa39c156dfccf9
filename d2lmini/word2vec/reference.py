"""The reference: gensim's Word2Vec trained with the same hyper-parameters as ours."""
import dataclasses
import time

from .train import SGNSConfig
from .vectors import WordVectors

__all__ = ["train_gensim"]


def train_gensim(sentences, config=None, workers=2, **overrides):
    """Train gensim's Word2Vec (sg=1, negative sampling) with the same hyper-parameters as ours.

    Returns (WordVectors, stats) where stats has seconds (of `train` only; the vocabulary scan
    is timed apart as vocab_seconds), cpu_seconds (all threads), words and words_per_s
    counted like our trainer.
    """
    from gensim.models import Word2Vec
    cfg = dataclasses.replace(config or SGNSConfig(), **overrides)
    model = Word2Vec(vector_size=cfg.embed_size, window=cfg.window, negative=cfg.negative,
                     sample=cfg.sample, min_count=cfg.min_count, alpha=cfg.lr,
                     min_alpha=cfg.min_lr, ns_exponent=cfg.ns_exponent, sg=1, hs=0,
                     workers=workers, seed=cfg.seed)
    t0 = time.perf_counter()
    model.build_vocab(sentences)
    t1, c1 = time.perf_counter(), time.process_time()
    model.train(sentences, total_examples=model.corpus_count, epochs=cfg.epochs)
    t2, c2 = time.perf_counter(), time.process_time()
    words = sum(len(s) for s in sentences) * cfg.epochs
    stats = {"seconds": t2 - t1, "cpu_seconds": c2 - c1, "vocab_seconds": t1 - t0,
             "words": words, "words_per_s": words / (t2 - t1)}
    return WordVectors.from_gensim(model.wv), stats
