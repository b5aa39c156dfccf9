"""grades.csv, grades.json and the summary table (written atomically)."""
import csv
import io
import json
import os
import pathlib

CSV_FIELDS = ["student", "grade_id", "score", "max_score", "reason", "submission", "sha256"]


def _atomic_write(path, text):
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _fmt(x):
    return "" if x is None else (str(int(x)) if float(x).is_integer() else f"{x:g}")


def csv_rows(entries):
    """One row per student x graded cell, then a TOTAL row per student."""
    rows = []
    for e in entries:
        manual = 0
        for t in e["tests"]:
            if t["score"] is None:
                manual += t["points"]
            rows.append({"student": e["student"], "grade_id": t["grade_id"],
                         "score": "manual" if t["score"] is None else _fmt(t["score"]),
                         "max_score": _fmt(t["points"]), "reason": t["reason"],
                         "submission": e["submission"], "sha256": e["sha256"][:12]})
        note = f"auto-graded; {_fmt(manual)} manual point(s) to add" if manual else "auto-graded"
        rows.append({"student": e["student"], "grade_id": "TOTAL", "score": _fmt(e["score"]),
                     "max_score": _fmt(e["max_score"]), "reason": note,
                     "submission": e["submission"], "sha256": e["sha256"][:12]})
    return rows


def write_reports(csv_path, json_path, data):
    """Write grades.csv and grades.json (each atomically: temp file, then rename)."""
    entries = sorted(data["submissions"].values(), key=lambda e: e["student"])
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(csv_rows(entries))
    _atomic_write(csv_path, buf.getvalue())
    _atomic_write(json_path, json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n")


def load_previous(json_path):
    """The previous grades.json, or None when there is none (or it is unreadable)."""
    try:
        data = json.loads(pathlib.Path(json_path).read_text(encoding="utf-8"))
        return data if isinstance(data.get("submissions"), dict) else None
    except (OSError, ValueError, AttributeError):
        return None


def summary_table(entries, test_ids):
    """A plain-text table: one line per student, a column per graded cell, the total."""
    short = [gid[:12] for gid in test_ids]
    name_w = max([7] + [len(e["student"]) for e in entries])
    lines = ["student".ljust(name_w) + "  " + "  ".join(s.rjust(max(len(s), 5)) for s in short)
             + "   total"]
    for e in sorted(entries, key=lambda e: e["student"]):
        by_id = {t["grade_id"]: t for t in e["tests"]}
        cells = []
        for gid, s in zip(test_ids, short):
            t = by_id.get(gid)
            val = "-" if t is None else ("manual" if t["score"] is None
                                         else f"{_fmt(t['score'])}/{_fmt(t['points'])}")
            cells.append(val.rjust(max(len(s), 5)))
        total = f"{_fmt(e['score'])}/{_fmt(e['max_score'])}"
        lines.append(e["student"].ljust(name_w) + "  " + "  ".join(cells) + "   " + total)
    return "\n".join(lines)
