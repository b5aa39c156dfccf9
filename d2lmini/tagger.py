"""The names chapters 4 and 5 import as `from d2lmini.tagger import ...`; they live in
`d2lmini.tagging.model`."""
from .tagging.model import RNNTagger, TaggerConfig, count_parameters

__all__ = ["RNNTagger", "TaggerConfig", "count_parameters"]
