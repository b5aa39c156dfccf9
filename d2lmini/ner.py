"""The names chapters 4 and 5 import as `from d2lmini.ner import ...`; they live in
`d2lmini.tagging` (spans, data, memory, training) and `d2lmini.metrics` (scores)."""
from .metrics import entity_report, tagging_scores
from .tagging.data import IGNORE_INDEX, build_tagging_vocab, encode_tagged, tag_index, tagging_loader
from .tagging.memory import SavedTensorMeter, state_bytes
from .tagging.spans import bio_to_spans, entity_prf, show_entities
from .tagging.train import evaluate_tagger, predict_tagged, train_tagger

__all__ = ["IGNORE_INDEX", "SavedTensorMeter", "bio_to_spans", "build_tagging_vocab",
           "encode_tagged", "entity_prf", "entity_report", "evaluate_tagger", "predict_tagged",
           "show_entities", "state_bytes", "tag_index", "tagging_loader", "tagging_scores",
           "train_tagger"]
