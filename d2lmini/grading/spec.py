"""Read the graded cells of a solution notebook: which cells are tests, what they run
in the student's process and what they compare in the grader."""
import ast
import dataclasses
import hashlib

__all__ = ["BEGIN_HIDDEN", "BEGIN_SOLUTION", "END_HIDDEN", "END_SOLUTION", "Assignment", "Check",
           "SpecError", "TestCell", "load_assignment", "nbgrader_meta", "parse_test_cell",
           "payload"]

BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"


class SpecError(ValueError):
    """The solution notebook does not follow the grading conventions."""


@dataclasses.dataclass
class Check:
    """One `check(name, actual, expected, hint, rtol=, atol=)` call of a test cell."""
    name: str
    actual: str           # expression evaluated in the student's process
    expected: str         # expression evaluated only in the trusted run of the solution
    hint: str = ""
    rtol: float = 1e-5
    atol: float = 1e-6


@dataclasses.dataclass
class TestCell:
    """A graded cell: auto-graded test code (steps) or a manually graded answer."""
    grade_id: str
    points: float
    index: int                       # cell index in the solution notebook
    manual: bool = False
    steps: list = dataclasses.field(default_factory=list)   # ("exec", src) | ("check", Check)

    @property
    def checks(self):
        return [s for kind, s in self.steps if kind == "check"]


@dataclasses.dataclass
class Assignment:
    """The graded cells of one solution notebook."""
    name: str
    sha256: str
    tests: list

    @property
    def auto_points(self):
        return sum(t.points for t in self.tests if not t.manual)


def nbgrader_meta(cell):
    """The cell's nbgrader metadata ({} when it has none)."""
    return dict(cell.get("metadata", {}).get("nbgrader", {}) or {})


def _literal(node, what, where):
    try:
        return ast.literal_eval(node)
    except ValueError:
        raise SpecError(f"{where}: {what} of check() must be a literal") from None


def parse_test_cell(source, where):
    """Split a test cell into steps: setup statements and check() calls. Raises SpecError
    when the cell could be fooled inside the student's process (assert, nested check)."""
    try:
        tree = ast.parse(source)
    except SyntaxError as err:
        raise SpecError(f"{where}: syntax error in the test cell: {err}") from None
    steps, names = [], set()
    for stmt in tree.body:
        call = stmt.value if isinstance(stmt, ast.Expr) else None
        if (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
                and call.func.id == "check"):
            args = list(call.args)
            kw = {k.arg: k.value for k in call.keywords}
            fields = ["name", "actual", "expected", "hint"]
            for field, node in zip(fields, args):
                kw.setdefault(field, node)
            if len(args) > 4 or not {"name", "actual", "expected"} <= set(kw) or \
                    set(kw) - set(fields) - {"rtol", "atol"}:
                raise SpecError(f"{where}: use check(name, actual, expected, hint, rtol=, atol=)")
            name = _literal(kw["name"], "name", where)
            if not isinstance(name, str) or name in names:
                raise SpecError(f"{where}: check names must be distinct strings ({name!r})")
            names.add(name)
            chk = Check(name=name, actual=ast.unparse(kw["actual"]),
                        expected=ast.unparse(kw["expected"]),
                        hint=_literal(kw["hint"], "hint", where) if "hint" in kw else "")
            for tol in ("rtol", "atol"):
                if tol in kw:
                    setattr(chk, tol, float(_literal(kw[tol], tol, where)))
            steps.append(("check", chk))
            continue
        for node in ast.walk(stmt):
            if isinstance(node, ast.Assert):
                raise SpecError(f"{where}: graded test cells may not use `assert` (it would run "
                                "in the student's process); use check(name, actual, expected, hint)")
            if isinstance(node, ast.Name) and node.id == "check":
                raise SpecError(f"{where}: call check() only as a top-level statement "
                                "(not in a loop, function or expression)")
        steps.append(("exec", ast.unparse(stmt)))
    if not names:
        raise SpecError(f"{where}: a graded test cell needs at least one check(...) call")
    return steps


def load_assignment(nb, name="assignment"):
    """Collect the graded cells of a solution notebook (an nbformat NotebookNode)."""
    import nbformat
    tests, ids = [], set()
    for i, cell in enumerate(nb.cells):
        meta = nbgrader_meta(cell)
        if not meta.get("grade"):
            continue
        gid = meta.get("grade_id")
        where = f"{name} cell {i} ({gid})"
        if not gid or gid in ids:
            raise SpecError(f"{where}: every graded cell needs a distinct grade_id")
        ids.add(gid)
        points = meta.get("points")
        if not isinstance(points, (int, float)) or points <= 0:
            raise SpecError(f"{where}: graded cells need points > 0")
        if meta.get("solution"):      # a manually graded answer
            tests.append(TestCell(gid, points, i, manual=True))
            continue
        if cell.cell_type != "code":
            raise SpecError(f"{where}: an auto-graded cell must be a code cell")
        tests.append(TestCell(gid, points, i, steps=parse_test_cell(cell.source, where)))
    if not any(not t.manual for t in tests):
        raise SpecError(f"{name}: no auto-graded test cells (nbgrader grade: true)")
    digest = hashlib.sha256(nbformat.writes(nb).encode()).hexdigest()
    return Assignment(name=name, sha256=digest, tests=tests)


def payload(assignment, trusted):
    """The test code sent to a run: the steps of every auto-graded cell. Only a trusted
    run (the solution) also gets the expected-value expressions."""
    cells = []
    for test in assignment.tests:
        if test.manual:
            continue
        steps = []
        for kind, item in test.steps:
            if kind == "exec":
                steps.append({"kind": "exec", "code": item})
            else:
                steps.append({"kind": "probe", "name": item.name, "expr": item.actual})
                if trusted:
                    steps.append({"kind": "expected", "name": item.name, "expr": item.expected})
        cells.append({"grade_id": test.grade_id, "steps": steps})
    return {"cells": cells}
