"""Writing benchmark results: results.json (everything) and results.md (the table)."""
import json
import pathlib

COLUMNS = ("benchmark", "ours", "reference", "ratio", "notes", "device")


def _atomic_write(path, text):
    """Write `text` to `path` through a temporary file, so a crash never leaves half a file."""
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def load_results(out):
    """The results.json in folder `out`, or None when there is none (or it is unreadable)."""
    path = pathlib.Path(out) / "results.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def fmt(value, unit=""):
    """A number for the table: thousands as 'k', small numbers with 3 significant digits."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    if abs(value) >= 10_000:
        text = f"{value / 1000:,.1f} k"
    elif abs(value) >= 100:
        text = f"{value:,.0f}"
    else:
        text = f"{value:.3g}"
    return f"{text} {unit}".strip()


def _cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown_table(data):
    """The Markdown table of all rows, then one line per benchmark on how it was run."""
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for bench in data["benchmarks"]:
        for r in bench["rows"]:
            ratio = "—" if r["ratio"] is None else f"{r['ratio']:.2f}×"
            notes = "; ".join(x for x in (r.get("ratio_means"), r.get("notes")) if x)
            cells = (r["benchmark"], fmt(r["ours"], r["unit"]), fmt(r["reference"], r["unit"]),
                     ratio, notes, bench.get("device", ""))
            lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    lines.append("")
    for bench in data["benchmarks"]:
        m = bench.get("machine", {})
        where = (f"{m.get('platform', '?')}, {m.get('cpu_cores', '?')} cores, torch "
                 f"{m.get('torch', '?')} ({m.get('torch_threads', '?')} CPU thread(s))"
                 + (f", {m['gpu']}" if m.get("gpu") else ""))
        shared = f" {bench['shared_machine']}." if bench.get("shared_machine") else ""
        quick = " QUICK smoke sizes: not a measurement." if m.get("quick") else ""
        lines.append(f"- `{bench['name']}`: {bench.get('measured_at', '?')}, "
                     f"{bench.get('seconds', '?')} s, {where}; `{m.get('command', '')}`."
                     f"{shared}{quick}")
    return "\n".join(lines) + "\n"


def write_results(data, out):
    """Write results.json and results.md into folder `out`, atomically; returns both paths."""
    out = pathlib.Path(out)
    json_path, md_path = out / "results.json", out / "results.md"
    _atomic_write(json_path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    _atomic_write(md_path, "# Benchmark results\n\n" + markdown_table(data))
    return json_path, md_path
