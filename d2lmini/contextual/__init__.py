"""Static vs contextual word vectors: the vector of one word ("bank") in many sentences.

A static model (word2vec) has one vector per word type, so "bank" gets the same vector in
every sentence. A contextual model (BERT) computes a vector per occurrence. This package
loads a small real BERT (`model`), finds a word inside a sentence with the tokenizer's own
character offsets, sub-words averaged (`vectors`), compares the occurrences layer by layer
(`polysemy`) and draws them (`plots`), on the chapter's sentences (`sentences`).
"""
from .model import PACKAGED_MODEL, Bert, load_bert
from .plots import pca_2d, plot_polysemy
from .polysemy import (PolysemyResult, bank_polysemy, cosine_matrix, static_vector_of,
                       within_across)
from .sentences import (DEFAULT_SENTENCES, SAME_START_SENTENCES,
                        TUTORIAL_SENTENCES, default_sentences)
from .vectors import WordSpan, find_word, layer_indices, locate_word, word_vectors

__all__ = ["PACKAGED_MODEL", "Bert", "load_bert",
           "WordSpan", "find_word", "layer_indices", "locate_word", "word_vectors",
           "PolysemyResult", "bank_polysemy", "cosine_matrix", "static_vector_of",
           "within_across", "pca_2d", "plot_polysemy",
           "DEFAULT_SENTENCES", "SAME_START_SENTENCES", "TUTORIAL_SENTENCES",
           "default_sentences"]
