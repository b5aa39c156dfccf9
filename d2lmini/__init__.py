"""d2lmini: the helper library of a course on NLP sequence models in PyTorch."""
from .contextual import bank_polysemy, load_bert, locate_word, word_vectors
from .data import (DataError, NegativeSampler, batchify_sgns, get_centers_and_contexts,
                   get_negatives, load_analogies, load_corpus, load_ner, load_sentiment,
                   load_word2vec_corpus, load_word_similarity, pad_tagging_batch,
                   seq_data_iter_random, seq_data_iter_sequential, subsample)
from .metrics import perplexity
from .ner import (IGNORE_INDEX, bio_to_spans, build_tagging_vocab, encode_tagged, entity_prf,
                  entity_report, evaluate_tagger, predict_tagged, show_entities, tagging_loader,
                  tagging_scores, train_tagger)
from .plotting import Animator, cjk_font
from .rnn import RNNLM, RNNScratch
from .sentiment import (BiGRUClassifier, SentimentConfig, accuracy_by_length, build_review_vocab,
                        classification_scores, collate_reviews, encode_reviews,
                        evaluate_sentiment, predict_batches, predict_sentiment, review_loader,
                        tokenize_review, train_sentiment)
from .tagger import RNNTagger, TaggerConfig, count_parameters
from .fit import History, TrainingDivergedError, fit, grad_clipping
from .training import (detach_state, evaluate_perplexity, heldout_perplexity, predict_chars,
                       train_epoch_lm, train_lm)
from .utils import ArgumentError, by_mode, check_shape, evaluating, is_quick, set_seed, try_device
from .word2vec import (SGNSConfig, SkipGramNS, WordVectors, analogy, evaluate_analogies,
                       evaluate_similarity, sgns_loss, sgns_sgd_step, similar_tokens,
                       train_gensim, train_word2vec)
from .vocab import Vocab, count_corpus, one_hot, tokenize

__version__ = "0.1.0"
