"""word2vec (chapter 6): skip-gram with negative sampling (SGNS), a fast trainer, evaluation.

One idea per file:

* `model.py`     the teaching model `SkipGramNS`, the masked loss `sgns_loss`, and
                 `sgns_sgd_step`, a hand-written SGD step on a batch of pairs;
* `pairs.py`     word ids, subsampling, window pairs and noise tables with NumPy;
* `kernel.py`    the compiled inner loop (numba): gensim's update, one pair at a time;
* `train.py`     `SGNSConfig` and `train_word2vec`, the fast trainer (compiled engine);
* `batched.py`   the batched torch engine (large batches, GPU-capable, lower quality);
* `vectors.py`   `WordVectors`, nearest neighbours and analogies;
* `evaluate.py`  word-similarity and analogy scores with gensim's case conventions;
* `reference.py` `train_gensim`, gensim's Word2Vec with the same hyper-parameters.
"""
from .evaluate import evaluate_analogies, evaluate_similarity, gensim_scores
from .model import SkipGramNS, sgns_loss, sgns_sgd_step
from .pairs import (NoiseTable, corpus_to_ids, keep_probabilities, noise_alias_table,
                    noise_cum_table, window_pairs)
from .reference import train_gensim
from .train import SGNSConfig, SGNSResult, train_word2vec
from .vectors import WordVectors, analogy, similar_tokens

__all__ = ["SkipGramNS", "sgns_loss", "sgns_sgd_step", "NoiseTable", "corpus_to_ids",
           "keep_probabilities", "noise_alias_table", "noise_cum_table", "window_pairs", "SGNSConfig", "SGNSResult",
           "train_word2vec", "WordVectors", "analogy", "similar_tokens", "evaluate_similarity",
           "evaluate_analogies", "gensim_scores", "train_gensim"]
