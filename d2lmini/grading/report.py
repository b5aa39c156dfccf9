"""grades.csv, grades.json and the summary table (written atomically)."""
import csv
import io
import json

from ..fileio import atomic_write

__all__ = ["CSV_FIELDS", "csv_rows", "summary_table", "write_reports"]

CSV_FIELDS = ["student", "grade_id", "score", "max_score", "reason", "submission", "sha256"]


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
    atomic_write(csv_path, buf.getvalue())
    atomic_write(json_path, json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n")


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
