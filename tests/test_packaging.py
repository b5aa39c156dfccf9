"""What a student and an instructor install: pyproject.toml, environment.yml and the
package's built metadata agree, the extras serve the right users, and the data carriers
are pinned to the versions whose checksums d2lmini/data/carriers.py records."""
import ast
import importlib.metadata
import pathlib
import re
import subprocess
import sys
import tomllib

import pytest
from packaging.requirements import Requirement

from d2lmini.data import carriers

ROOT = pathlib.Path(__file__).resolve().parent.parent
CONDA_TO_PIP = {"pytorch": "torch"}   # conda-forge names that differ from PyPI's
NOT_PACKAGES = {"python", "pip"}
TEST_AND_INSTRUCTOR_TOOLS = {"nbgrader", "nbval", "pytest", "pytest-cov"}
# declared but never imported, on purpose: what each is for
NOT_IMPORTED = {"jupyterlab": "the app the course opens in",
                "ipykernel": "the kernel that runs the notebooks (course run, nbval)",
                **{c.package: "a data carrier, read as files (data/carriers.py)"
                   for c in carriers.CARRIERS}}


def _name(requirement):
    name = re.split(r"[<>=!~;\[ ]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")
    return CONDA_TO_PIP.get(name, name)


def pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def environment_requirements():
    """The conda and pip entries of environment.yml (a plain line parser: no YAML dep)."""
    entries = []
    for line in (ROOT / "environment.yml").read_text().splitlines():
        match = re.match(r"^\s+-\s+(\S.*)$", line)
        if match and not match.group(1).endswith(":") and not match.group(1).startswith("-e"):
            entries.append(match.group(1).split("#")[0].strip())
    return [e for e in entries if _name(e) not in NOT_PACKAGES and e != "conda-forge"]


def test_environment_yml_mirrors_the_student_install_spec_for_spec():
    pip = {_name(r): r.split(";")[0].replace(" ", "")[len(_name(r)):]
           for r in pyproject()["dependencies"]}
    conda = {_name(r): r.replace(" ", "")[len(r.split(">")[0].split("=")[0]):]
             for r in environment_requirements()}
    assert set(pip) == set(conda), (f"only in pyproject.toml: {sorted(set(pip) - set(conda))}; "
                                    f"only in environment.yml: {sorted(set(conda) - set(pip))}")
    assert pip == conda, "the same packages need the same version specifiers"


def test_environment_installs_the_project_and_names_the_instructor_extra():
    text = (ROOT / "environment.yml").read_text()
    assert re.search(r"^\s+-\s+-e \.\s*$", text, re.M)
    assert not TEST_AND_INSTRUCTOR_TOOLS & {_name(r) for r in environment_requirements()}
    assert 'pip install -e ".[dev]"' in text


def test_carriers_are_pinned_exactly_and_everything_else_has_a_lower_bound():
    pinned = {c.package: c.version for c in carriers.CARRIERS}
    for requirement in pyproject()["dependencies"]:
        req = Requirement(requirement)
        if req.name in pinned:
            assert str(req.specifier) == f"=={pinned[req.name]}", (
                f"{req.name} must be pinned to the version whose files carriers.py checks")
        else:
            assert all(s.operator == ">=" for s in req.specifier) and req.specifier, (
                f"use a lower bound (>=) for {requirement!r}")
    assert pinned.keys() <= {Requirement(r).name for r in pyproject()["dependencies"]}


def test_license_is_an_spdx_expression_with_a_license_file():
    project = pyproject()
    assert project["license"] == "MIT" and project["license-files"] == ["LICENSE"]
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")


@pytest.fixture(scope="module")
def metadata(tmp_path_factory):
    """Requires-Dist of the metadata that setuptools builds from pyproject.toml (no network)."""
    out = tmp_path_factory.mktemp("meta")
    code = ("import sys; from setuptools import build_meta; "
            "print(build_meta.prepare_metadata_for_build_wheel(sys.argv[1]))")
    proc = subprocess.run([sys.executable, "-c", code, str(out)], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    dist_info = out / proc.stdout.strip().splitlines()[-1]
    text = (dist_info / "METADATA").read_text()
    return [Requirement(line.split(":", 1)[1].strip()) for line in text.splitlines()
            if line.startswith("Requires-Dist:")]


def _for_extra(requirements, extra):
    env = {"extra": extra}
    return {r.name for r in requirements if r.marker is None or r.marker.evaluate(env)}


def _closure(names):
    """Every installed distribution that `names` pull in (markers evaluated, no extras)."""
    seen, stack, missing = set(), list(names), set()
    while stack:
        name = stack.pop().lower().replace("_", "-")
        if name in seen:
            continue
        try:
            dist = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            missing.add(name)
            continue
        seen.add(name)
        for line in dist.requires or []:
            req = Requirement(line)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                stack.append(req.name)
    return seen, missing


def test_student_install_pulls_no_test_or_instructor_tools(metadata):
    student = _for_extra(metadata, "")
    assert not TEST_AND_INSTRUCTOR_TOOLS & student
    pulled, missing = _closure(student)
    assert not missing, f"not installed here, so not checked: {sorted(missing)}"
    assert not TEST_AND_INSTRUCTOR_TOOLS & pulled, "a student dependency pulls a test tool in"
    assert "pyarrow" in pulled and "pyarrow" not in student   # datasets brings it


def test_extras_add_the_tools_for_tests_and_for_instructors(metadata):
    student = _for_extra(metadata, "")
    assert _for_extra(metadata, "test") - student == {"pytest", "pytest-cov", "nbval",
                                                       "setuptools"}
    assert _for_extra(metadata, "instructor") - student == {"nbgrader"}
    dev = [r for r in metadata if r.marker and r.marker.evaluate({"extra": "dev"})
           and r.name == "d2lmini"]
    assert dev and dev[0].extras == {"test", "instructor"}


def _imported_top_level_modules(folder, pattern="*.py"):
    names = set()
    for path in folder.rglob(pattern):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names


def _notebook_imports():
    import nbformat
    names = set()
    for folder in ("course", "solutions"):
        for path in (ROOT / folder).glob("*.ipynb"):
            for cell in nbformat.read(path, as_version=4).cells:
                if cell.cell_type == "code":
                    for m in re.finditer(r"^\s*(?:from|import)\s+([A-Za-z_]\w*)", cell.source, re.M):
                        names.add(m.group(1))
    return names


def test_every_third_party_import_is_declared_and_every_declaration_used():
    dists = importlib.metadata.packages_distributions()
    library = _imported_top_level_modules(ROOT / "d2lmini")
    declared = {_name(r) for r in pyproject()["dependencies"]}
    stdlib = set(sys.stdlib_module_names) | {"d2lmini"}
    needed = {_name(d) for m in library - stdlib for d in dists.get(m, [m])}   # PEP 503 names
    assert needed <= declared, f"imported by d2lmini/ but not declared: {sorted(needed - declared)}"
    used = needed | {_name(d) for m in _notebook_imports() - stdlib for d in dists.get(m, [m])}
    unused = declared - used - set(NOT_IMPORTED)
    assert not unused, f"declared but imported nowhere: {sorted(unused)}"


def test_ci_installs_the_whole_suite_and_the_readme_gives_one_command_each():
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r'pip install[^\n]*-e "\.\[dev\]"', ci)
    readme = (ROOT / "README.md").read_text()
    assert "git clone" in readme
    assert "pip install -e . --extra-index-url https://download.pytorch.org/whl/cpu" in readme
    assert "jupyter lab index.ipynb" in readme
    assert "<!-- test-command" in readme
    assert "no GPU was available" not in readme
