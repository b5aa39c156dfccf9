"""Named-entity tagging with BIO tags (chapters 4 and 5), one idea per module:

- `model`: `RNNTagger` and its `TaggerConfig`;
- `spans`: BIO tags <-> entity spans, a by-hand entity P/R/F1;
- `data`: vocabulary, encoding and padded batch loaders;
- `decode`: tags from scores, per position or as the best valid BIO sequence;
- `memory`: measuring training memory on the CPU;
- `train`: `train_tagger` (through `d2lmini.fit`), `predict_tagged`, `evaluate_tagger`.

The metrics themselves (`tagging_scores`, `entity_report`) live in `d2lmini.metrics`.
"""
from ..metrics import entity_report, tagging_scores
from .data import IGNORE_INDEX, build_tagging_vocab, encode_tagged, tag_index, tagging_loader
from .decode import DECODERS, bio_transitions, bio_viterbi, decode_tags
from .memory import SavedTensorMeter, state_bytes
from .model import RNNTagger, TaggerConfig, count_parameters
from .spans import bio_to_spans, entity_prf, show_entities, split_tag
from .train import evaluate_tagger, predict_tagged, train_tagger

__all__ = ["DECODERS", "IGNORE_INDEX", "RNNTagger", "SavedTensorMeter", "TaggerConfig", "bio_to_spans", "bio_transitions", "bio_viterbi",
           "decode_tags",            "build_tagging_vocab", "count_parameters", "encode_tagged", "entity_prf",
           "entity_report", "evaluate_tagger", "predict_tagged", "show_entities", "split_tag",
           "state_bytes", "tag_index", "tagging_loader", "tagging_scores", "train_tagger"]
