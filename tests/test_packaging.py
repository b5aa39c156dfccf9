"""pyproject.toml and environment.yml must describe the same dependency set."""
import pathlib
import re
import tomllib

ROOT = pathlib.Path(__file__).resolve().parent.parent
CONDA_TO_PIP = {"pytorch": "torch"}   # conda-forge names that differ from PyPI's
NOT_PACKAGES = {"python", "pip"}


def _name(requirement):
    name = re.split(r"[<>=!~;\[ ]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")
    return CONDA_TO_PIP.get(name, name)


def _has_lower_bound_only(requirement):
    return ">=" in requirement and "==" not in requirement and "<" not in requirement


def pyproject_requirements():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    project = data["project"]
    return project["dependencies"] + project["optional-dependencies"]["dev"]


def environment_requirements():
    """The conda and pip entries of environment.yml (a plain line parser: no YAML dep)."""
    entries = []
    for line in (ROOT / "environment.yml").read_text().splitlines():
        match = re.match(r"^\s+-\s+(\S.*)$", line)
        if match and not match.group(1).endswith(":") and not match.group(1).startswith("-e"):
            entries.append(match.group(1).split("#")[0].strip())
    return [e for e in entries if _name(e) not in NOT_PACKAGES and e != "conda-forge"]


def test_environment_yml_and_pyproject_list_the_same_packages():
    pip_names = {_name(r) for r in pyproject_requirements()}
    conda_names = {_name(r) for r in environment_requirements()}
    assert pip_names == conda_names, (
        f"only in pyproject.toml: {sorted(pip_names - conda_names)}; "
        f"only in environment.yml: {sorted(conda_names - pip_names)}")


def test_dependencies_are_lower_bounds_not_pins():
    for requirement in pyproject_requirements() + environment_requirements():
        assert _has_lower_bound_only(requirement), f"use a lower bound (>=) for {requirement!r}"


def test_environment_installs_the_project_itself():
    assert re.search(r"^\s+-\s+-e \.\s*$", (ROOT / "environment.yml").read_text(), re.M)
