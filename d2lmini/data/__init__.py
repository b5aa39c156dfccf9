"""Data for the course: language-model minibatches and real corpora with offline defaults."""
from .sequences import seq_data_iter_random, seq_data_iter_sequential

__all__ = ["seq_data_iter_random", "seq_data_iter_sequential"]
