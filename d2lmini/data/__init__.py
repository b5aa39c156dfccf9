"""Data for the course: language-model minibatches and real corpora with offline defaults.

Every loader takes the real source when it is cached or reachable and the embedded default
otherwise, and prints one line saying which (see DATA.md).
"""
from .cache import cache_dir
from .errors import DataError
from .ner import load_ner
from .provenance import (Analogies, LabelledTexts, Provenance, TaggedSentences, TextCorpus,
                         TokenCorpus, WordPairs)
from .sentiment import load_sentiment
from .sequences import seq_data_iter_random, seq_data_iter_sequential
from .tagging import pad_tagging_batch
from .text import load_corpus
from .word2vec import (NegativeSampler, batchify_sgns, get_centers_and_contexts, get_negatives,
                       subsample)
from .wordvec import load_analogies, load_word2vec_corpus, load_word_similarity

__all__ = [
    "seq_data_iter_random", "seq_data_iter_sequential",
    "load_corpus", "load_ner", "load_sentiment", "load_word2vec_corpus", "load_word_similarity",
    "load_analogies", "cache_dir", "DataError",
    "subsample", "get_centers_and_contexts", "NegativeSampler", "get_negatives", "batchify_sgns",
    "pad_tagging_batch",
    "Provenance", "TextCorpus", "TaggedSentences", "LabelledTexts", "TokenCorpus", "WordPairs", "Analogies",
]
