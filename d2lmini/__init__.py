"""d2lmini: the helper library of a course on NLP sequence models in PyTorch."""
from .contextual import bank_polysemy, load_bert, locate_word, word_vectors
from .data import (DataError, NegativeSampler, batchify_sgns, get_centers_and_contexts,
                   get_negatives, load_analogies, load_corpus, load_ner, load_sentiment,
                   load_word2vec_corpus, load_word_similarity, pad_tagging_batch,
                   seq_data_iter_random, seq_data_iter_sequential, subsample)
from .errors import UserError
from .fit import History, TrainingDivergedError, fit, grad_clipping
from .metrics import classification_scores, entity_report, perplexity, tagging_scores
from .plotting import Animator, cjk_font
from .rnn import RNNLM, RNNScratch
from .sentiment import (BiGRUClassifier, SentimentConfig, accuracy_by_length, build_review_vocab,
                        collate_reviews, encode_reviews, evaluate_sentiment, predict_batches,
                        predict_sentiment, review_loader, tokenize_review, train_sentiment)
from .tagging import (IGNORE_INDEX, RNNTagger, TaggerConfig, bio_to_spans, build_tagging_vocab,
                      count_parameters, encode_tagged, entity_prf, evaluate_tagger,
                      predict_tagged, show_entities, tagging_loader, train_tagger)
from .training import (detach_state, evaluate_perplexity, heldout_perplexity, predict_chars,
                       train_epoch_lm, train_lm)
from .utils import ArgumentError, by_mode, check_shape, evaluating, is_quick, set_seed, try_device
from .vocab import Vocab, count_corpus, one_hot, tokenize
from .word2vec import (SGNSConfig, SkipGramNS, WordVectors, analogy, evaluate_analogies,
                       evaluate_similarity, sgns_loss, sgns_sgd_step, similar_tokens,
                       train_gensim, train_word2vec)

__version__ = "0.1.0"

__all__ = [
    # chapter 1: text and vocabularies
    "Vocab", "count_corpus", "one_hot", "tokenize",
    # data loaders (d2lmini.data)
    "DataError", "NegativeSampler", "batchify_sgns", "get_centers_and_contexts", "get_negatives",
    "load_analogies", "load_corpus", "load_ner", "load_sentiment", "load_word2vec_corpus",
    "load_word_similarity", "pad_tagging_batch", "seq_data_iter_random",
    "seq_data_iter_sequential", "subsample",
    # the training loop and metrics
    "History", "TrainingDivergedError", "fit", "grad_clipping", "classification_scores",
    "entity_report", "perplexity", "tagging_scores",
    # chapters 2 and 3: language models
    "RNNLM", "RNNScratch", "detach_state", "evaluate_perplexity", "heldout_perplexity",
    "predict_chars", "train_epoch_lm", "train_lm",
    # chapters 4 and 5: tagging (d2lmini.tagging)
    "IGNORE_INDEX", "RNNTagger", "TaggerConfig", "bio_to_spans", "build_tagging_vocab",
    "count_parameters", "encode_tagged", "entity_prf", "evaluate_tagger", "predict_tagged",
    "show_entities", "tagging_loader", "train_tagger",
    # chapter 6: word2vec
    "SGNSConfig", "SkipGramNS", "WordVectors", "analogy", "evaluate_analogies",
    "evaluate_similarity", "sgns_loss", "sgns_sgd_step", "similar_tokens", "train_gensim",
    "train_word2vec",
    # chapter 7: sentiment
    "BiGRUClassifier", "SentimentConfig", "accuracy_by_length", "build_review_vocab",
    "collate_reviews", "encode_reviews", "evaluate_sentiment", "predict_batches",
    "predict_sentiment", "review_loader", "tokenize_review", "train_sentiment",
    # chapter 8: contextual vectors
    "bank_polysemy", "load_bert", "locate_word", "word_vectors",
    # plots, errors, helpers
    "Animator", "ArgumentError", "UserError", "by_mode", "check_shape", "cjk_font", "evaluating",
    "is_quick", "set_seed", "try_device",
]
