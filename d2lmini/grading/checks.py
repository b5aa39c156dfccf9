"""`check()`, the one assertion helper of graded test cells, and the plain-data encoding
that carries a student's results out of the student's process.

In a notebook, `check(name, actual, expected, hint)` behaves like an assert with a
helpful message. The grader never calls it in the student's process: it reads the
`check(...)` calls from the solution notebook, evaluates only `actual` in the student's
process, sends the value out as JSON (`encode`) and compares it with the trusted
`expected` value in its own process (`decode`, `compare`).
"""
import json
import math

__all__ = ["Array", "CheckFailed", "EncodeError", "check", "compare", "decode", "encode",
           "roundtrip"]

MAX_ITEMS = 1_000_000   # numbers in one encoded value: more is not a sensible test result
MAX_DEPTH = 30


class EncodeError(TypeError):
    """A value that cannot be sent to the grader (unknown type, too big, too deep)."""


def _array(kind, value, count):
    """Encode a torch tensor or numpy array as dtype, shape and a nested list."""
    shape = list(value.shape)
    size = 1
    for n in shape:
        size *= int(n)
    if count[0] + size > MAX_ITEMS:
        raise EncodeError(f"result has more than {MAX_ITEMS} numbers")
    count[0] += size
    if kind == "tensor":
        value = value.detach().cpu()
        if value.is_complex():
            raise EncodeError("complex tensors cannot be graded")
        data = value.tolist()
    else:
        if value.dtype.kind not in "biuf":
            raise EncodeError(f"numpy arrays of dtype {value.dtype} cannot be graded")
        data = value.tolist()
    return {"__array__": {"dtype": str(value.dtype), "shape": shape, "data": data}}


def encode(value, _depth=0, _count=None):
    """Turn a result into JSON-safe plain data: numbers, strings, lists, dicts, arrays."""
    count = _count if _count is not None else [0]
    if _depth > MAX_DEPTH:
        raise EncodeError("result is nested too deeply")
    if value is None or type(value) in (bool, str):
        return value
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str.__str__(value)
    module = type(value).__module__.split(".")[0]
    if module == "torch" and hasattr(value, "detach"):
        return _array("tensor", value, count)
    if module == "numpy":
        if hasattr(value, "shape") and hasattr(value, "dtype") and getattr(value, "ndim", 0) > 0:
            return _array("ndarray", value, count)
        if hasattr(value, "item"):   # a numpy scalar
            return encode(value.item(), _depth + 1, count)
    if isinstance(value, (list, tuple)):
        count[0] += len(value)
        if count[0] > MAX_ITEMS:
            raise EncodeError(f"result has more than {MAX_ITEMS} items")
        return [encode(v, _depth + 1, count) for v in value]
    if isinstance(value, dict):
        count[0] += len(value)
        return {"__dict__": [[encode(k, _depth + 1, count), encode(v, _depth + 1, count)]
                             for k, v in value.items()]}
    if isinstance(value, (set, frozenset)):
        items = [encode(v, _depth + 1, count) for v in value]
        return {"__set__": sorted(items, key=_canonical)}
    raise EncodeError(f"a result of type {type(value).__name__} cannot be graded: "
                      "return numbers, strings, lists, tuples, dicts, sets, tensors or arrays")


def _canonical(encoded):
    """A stable string for an encoded value (used to match dict keys and sort sets)."""
    return json.dumps(encoded, sort_keys=True)


class Array:
    """A decoded tensor or array: its dtype name, shape and values (a numpy array)."""

    def __init__(self, dtype, shape, values):
        self.dtype, self.shape, self.values = dtype, tuple(shape), values

    def __repr__(self):
        return f"Array({self.dtype}, shape={self.shape})"


def decode(data):
    """Turn encoded plain data back into Python values (never runs code: JSON only)."""
    import numpy as np
    if isinstance(data, list):
        return [decode(v) for v in data]
    if isinstance(data, dict):
        if set(data) == {"__array__"}:
            a = data["__array__"]
            dtype = str(a["dtype"])
            kind = "bool" if "bool" in dtype else ("int" if "int" in dtype else "float")
            np_dtype = {"bool": bool, "int": np.int64, "float": np.float64}[kind]
            values = np.array(a["data"], dtype=np_dtype).reshape([int(n) for n in a["shape"]])
            return Array(dtype, a["shape"], values)
        if set(data) == {"__dict__"}:
            return {_canonical(k): (decode(k), decode(v)) for k, v in data["__dict__"]}
        if set(data) == {"__set__"}:
            return frozenset(_canonical(v) for v in data["__set__"])
        raise ValueError("malformed result from the student's process")
    return data


def _kind(value):
    if isinstance(value, Array) or isinstance(value, (int, float)) and not isinstance(value, bool):
        return "number"
    return type(value).__name__


def compare(actual, expected, rtol=1e-5, atol=1e-6):
    """None if `actual` matches `expected` (decoded values), else a short reason that
    does not reveal the expected values (hidden tests stay hidden)."""
    import numpy as np
    if isinstance(expected, Array) or isinstance(actual, Array):
        try:
            a = actual.values if isinstance(actual, Array) else np.asarray(actual, dtype=np.float64)
            e = expected.values if isinstance(expected, Array) else np.asarray(expected, dtype=np.float64)
        except (TypeError, ValueError):
            return f"expected a tensor/array, got {_kind(actual)}"
        if a.shape != e.shape:
            return f"expected shape {tuple(e.shape)}, got {tuple(a.shape)}"
        if e.dtype == bool or a.dtype == bool:
            ok = bool(np.array_equal(a.astype(bool), e.astype(bool))) and (a.dtype == e.dtype)
            return None if ok else "wrong values (boolean)"
        if not np.allclose(a.astype(np.float64), e.astype(np.float64), rtol=rtol, atol=atol,
                           equal_nan=True):
            return "wrong values"
        return None
    if isinstance(expected, bool) or isinstance(actual, bool):
        if type(actual) is not type(expected):
            return f"expected a bool, got {_kind(actual)}"
        return None if actual == expected else "wrong value"
    if isinstance(expected, (int, float)):
        if not isinstance(actual, (int, float)):
            return f"expected a number, got {_kind(actual)}"
        if isinstance(expected, int) and isinstance(actual, int):
            return None if actual == expected else "wrong value"
        if math.isnan(expected) and math.isnan(actual):
            return None
        return None if math.isclose(actual, expected, rel_tol=rtol, abs_tol=atol) else "wrong value"
    if expected is None or isinstance(expected, str):
        if type(actual) is not type(expected):
            return f"expected {_kind(expected)}, got {_kind(actual)}"
        return None if actual == expected else "wrong value"
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return f"expected a list/tuple, got {_kind(actual)}"
        if len(actual) != len(expected):
            return f"expected {len(expected)} items, got {len(actual)}"
        for i, (a, e) in enumerate(zip(actual, expected)):
            why = compare(a, e, rtol, atol)
            if why:
                return f"item {i}: {why}"
        return None
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return f"expected a dict, got {_kind(actual)}"
        if set(actual) != set(expected):
            return f"wrong keys ({len(expected)} expected, got {len(actual)})"
        for key, (shown, e) in expected.items():
            why = compare(actual[key][1], e, rtol, atol)
            if why:
                return f"key {shown!r}: {why}"
        return None
    if isinstance(expected, frozenset):
        if not isinstance(actual, frozenset):
            return f"expected a set, got {_kind(actual)}"
        return None if actual == expected else "wrong set"
    return "cannot compare these values"


def roundtrip(value):
    """encode → JSON → decode: exactly what the grader sees of a value."""
    return decode(json.loads(json.dumps(encode(value))))


def _short(value, limit=200):
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + " ..."


class CheckFailed(AssertionError):
    """A failed check: in a notebook it shows only its message, no library frames."""

    def _render_traceback_(self):
        """What IPython/Jupyter shows instead of a traceback (the message, in red)."""
        lines = str(self).split("\n")
        return [f"\x1b[0;31mCheckFailed\x1b[0m: {lines[0]}"] + lines[1:]


def check(name, actual, expected, hint="", rtol=1e-5, atol=1e-6):
    """Assert that `actual` matches `expected` (numbers and tensors within rtol/atol),
    with `hint` in the message; print one "passed" line when it does. The grader compares
    the same way, outside your process."""
    __tracebackhide__ = True        # pytest and IPython: hide this frame
    try:
        why = compare(roundtrip(actual), roundtrip(expected), rtol, atol)
    except EncodeError as err:
        why = str(err)
    if why:
        raise CheckFailed(f"check {name!r} failed: {hint}\n  ({why})\n"
                          f"  expected: {_short(expected)}\n  got:      {_short(actual)}")
    print(f"passed: {name}")
