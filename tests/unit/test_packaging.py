"""The distribution: a built wheel holds every subpackage, and the console script answers."""
from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]


def test_every_folder_with_python_is_a_listed_package() -> None:
    conf = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(conf["packages"])
    mapping = conf["package-dir"]
    found = set()
    for pkg, folder in mapping.items():
        for init in (ROOT / folder).rglob("*.py"):
            rel = init.parent.relative_to(ROOT / folder)
            if "__pycache__" in rel.parts or "examples" in rel.parts:
                continue
            found.add(".".join([pkg, *rel.parts]))
    assert found <= listed, f"folders with Python files missing from packages: {sorted(found - listed)}"


@pytest.mark.slow
def test_built_wheel_contains_every_subpackage(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
                   check=True, capture_output=True)
    wheel = next(tmp_path.glob("radarbench-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    conf = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    for pkg in conf["packages"]:
        path = pkg.replace(".", "/") + "/__init__.py"
        assert path in names, f"{path} missing from {wheel.name}"
    assert "radarbench/codecs/asterix/categories/cat048_1_32.py" in names
    assert "radarbench/codecs/asterix/LICENSE-asterix-specs" in names  # the BSD notice travels along
    assert not any(n.startswith("radarbench/__init__") for n in names)  # radarbench stays a namespace
    for rig in (ROOT / "rigs" / "examples").glob("*.toml"):  # shipped rig files travel as package data
        assert f"radarbench/rigs/examples/{rig.name}" in names


def test_console_script_version() -> None:
    out = subprocess.run(["radarbench", "--version"], capture_output=True, text=True, check=True).stdout
    from radarbench.codecs import __version__
    assert out.strip() == f"radarbench {__version__}"
