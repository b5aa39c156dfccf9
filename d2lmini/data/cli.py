"""`d2lmini data list | fetch | verify | clean`: see, download, check and remove the course's data."""
from . import registry
from .cache import cache_dir
from .errors import DataError

__all__ = ["register"]


def _chapters(text):
    """ "1-2" -> [1, 2]; "6, 8" -> [6, 8]."""
    out = []
    for part in text.split(","):
        a, _, b = part.strip().partition("-")
        out.extend(range(int(a), int(b or a) + 1))
    return out


def _list(args):
    rows = [("name", "chapter", "kind", "source", "size", "status", "licence")]
    for e in registry.ENTRIES:
        rows.append((e.name, e.chapters, e.kind, e.source, e.size, e.status(), e.licence))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for i, row in enumerate(rows):
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))
    ready = {}
    for e, row in zip(registry.ENTRIES, rows[1:]):
        for ch in _chapters(e.chapters):
            ready[ch] = ready.get(ch, False) or row[5] in ("available", "cached")
    print("chapters with data available now: "
          + ", ".join(f"{ch} {'yes' if ok else 'NO'}" for ch, ok in sorted(ready.items())))
    print(f"cache: {cache_dir()}  (set D2LMINI_DATA to move it)")
    return 0


def _names(args, action):
    """The dataset names an action works on: NAME, or every real source with --all."""
    if args.all and args.name:
        raise DataError(args.name, "give a dataset name or --all, not both",
                        fix=f"`d2lmini data {action} {args.name}` or `d2lmini data {action} --all`")
    if args.all:
        return [e.name for e in registry.ENTRIES if e.kind == "real"]
    if not args.name:
        raise DataError("?", "no dataset given", fix=f"give a NAME or --all; `d2lmini data list` shows the names")
    registry.get(args.name)           # an unknown name: one clear error listing the known ones
    return [args.name]


def _fetch(args):
    names = _names(args, "fetch")
    if len(names) == 1:               # one dataset: its error is the command's error (one line, exit 2)
        data = registry.fetch(names[0], force=args.force)
        _fetched(names[0], data)
        return 0
    failed = 0
    for name in names:
        try:
            _fetched(name, registry.fetch(name, force=args.force))
        except DataError as err:
            failed += 1
            print(f"{name}: FAILED: {' '.join(str(err).split())}")
    return 1 if failed else 0


def _fetched(name, data):
    extra = "" if registry.get(name).kind == "real" else " (embedded: nothing to download)"
    print(f"{name}: ok, {data.provenance.size}{extra}")


def _verify(args):
    bad = 0
    for e in registry.ENTRIES:
        ok, message = registry.verify(e)
        bad += not ok
        print(f"{e.name:18s} {'ok ' if ok else 'BAD'} {message}")
    print("all checks passed" if not bad else f"{bad} problem(s) found")
    return 1 if bad else 0


def _clean(args):
    for name in _names(args, "clean"):
        removed = registry.clean(name)
        print(f"{name}: removed {', '.join(removed)}" if removed else f"{name}: nothing cached")
    return 0


def register(subparsers):
    """Add the `data` subcommand and its `list`, `fetch`, `verify` and `clean` actions."""
    data = subparsers.add_parser("data", help="list, download and verify the course's datasets")
    sub = data.add_subparsers(dest="data_command", metavar="ACTION")
    p = sub.add_parser("list", help="every dataset: chapter, source, size, cached or not, licence")
    p.set_defaults(func=_list)
    p = sub.add_parser("fetch", help="download a real source into the cache (NAME or --all)")
    p.add_argument("name", nargs="?", help="dataset name from `d2lmini data list`")
    p.add_argument("--all", action="store_true", help="fetch every real source")
    p.add_argument("--force", action="store_true", help="remove the cached copy first and download it again")
    p.set_defaults(func=_fetch)
    p = sub.add_parser("verify", help="check shipped, packaged and cached files (checksums, and cached "
                                      "copies parsed as a load would)")
    p.set_defaults(func=_verify)
    p = sub.add_parser("clean", help="remove the cached copy of a real source (NAME or --all)")
    p.add_argument("name", nargs="?", help="dataset name from `d2lmini data list`")
    p.add_argument("--all", action="store_true", help="remove every cached real source")
    p.set_defaults(func=_clean)
    data.set_defaults(func=lambda args: data.print_help() or 0)
