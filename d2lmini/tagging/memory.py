"""Measuring a tagger's training memory where the usual tools cannot see it (chapter 5).

On the CPU, `tracemalloc` does not see PyTorch's allocations, so `SavedTensorMeter` counts
the bytes autograd keeps for the backward pass; `state_bytes` adds parameters, gradients
and optimizer state. On a GPU, `torch.cuda.max_memory_allocated` measures it all.
"""
import torch

__all__ = ["SavedTensorMeter", "state_bytes"]


class SavedTensorMeter:
    """Context manager counting the bytes autograd keeps for the backward pass (the
    activations), each storage once. Works on every device, unlike tracemalloc, which
    does not see PyTorch's allocations. enabled=False measures nothing (bytes stays 0)."""

    def __init__(self, enabled=True):
        self.enabled = enabled

    def __enter__(self):
        self.bytes, self._seen, self._hooks = 0, set(), None
        if not self.enabled:
            return self

        def pack(t):
            storage = t.untyped_storage()
            key = (t.device, storage.data_ptr())
            if key not in self._seen:
                self._seen.add(key)
                self.bytes += storage.nbytes()
            return t

        self._hooks = torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t)
        self._hooks.__enter__()
        return self

    def __exit__(self, *exc):
        if self._hooks is not None:
            self._hooks.__exit__(*exc)
        return False


def state_bytes(model, optimizer_slots=2):
    """Bytes of parameters + gradients + optimizer state (Adam keeps 2 slots per parameter)."""
    n = sum(p.numel() * p.element_size() for p in model.parameters() if p.requires_grad)
    return n * (2 + optimizer_slots)
