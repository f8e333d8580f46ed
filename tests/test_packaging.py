"""A built wheel is a whole install: every package and module, the economy's data and the licence.

It builds without a warning of the project's own (setuptools' deprecations, packages
missing from its configuration).

The wheel is built from a copy of the sources (nothing is written into the checkout) and
installed, without its dependencies, into a fresh virtual environment; the dependencies come
from the test's own environment by a path entry, after the wheel's packages, so that only
the wheel can provide ``sim`` and ``agents``.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHECK = """
import importlib, json, pkgutil, sys
from pathlib import Path
import agents, sim
from sim.economics.economy import DEFAULT_ECONOMY_DIR, SHIPPED_ECONOMIES, default_economy, load_economy

modules = []
for package in (sim, agents):
    modules.append(package.__name__)
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        if info.name != "sim.__main__":
            importlib.import_module(info.name)
            modules.append(info.name)
economy = default_economy()
full = SHIPPED_ECONOMIES["us2014-55"]
print(json.dumps({
    "sim": sim.__file__,
    "agents": agents.__file__,
    "modules": sorted(modules),
    "data": sorted(p.name for p in Path(DEFAULT_ECONOMY_DIR).iterdir()),
    "goods": economy.technology.n,
    "data_55": sorted(p.name for p in Path(full).iterdir()),
    "goods_55": load_economy(full).technology.n,
}))
"""


def source_modules() -> list[str]:
    """Every module of ``sim`` and ``agents`` in the checkout, by dotted name (``sim.__main__`` aside)."""
    names = []
    for root in ("sim", "agents"):
        for path in (ROOT / root).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            if name != "sim.__main__":
                names.append(name)
    return sorted(names)


def test_the_wheel_installs_every_module_and_the_economies_data(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for folder in ("sim", "agents"):
        shutil.copytree(ROOT / folder, source / folder, ignore=ignore)
    for file in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / file, source / file)
    dist = tmp_path / "dist"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--verbose", "--no-deps", "--no-build-isolation", "-w", dist, source],
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    said = built.stdout + built.stderr
    assert "Warning" not in said, said  # setuptools' own warnings (pip's environment notes say WARNING)
    (wheel,) = dist.glob("councils-*.whl")

    env = tmp_path / "env"
    subprocess.run([sys.executable, "-m", "venv", str(env)], check=True, capture_output=True, timeout=300)
    python = env / "bin" / "python"
    subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    dependencies = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (Path(site) / "dependencies.pth").write_text("\n".join(sorted(dependencies)) + "\n", encoding="utf-8")

    done = subprocess.run([python, "-I", "-c", CHECK], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert Path(found["sim"]).is_relative_to(env)
    assert Path(found["agents"]).is_relative_to(env)
    assert found["modules"] == source_modules()
    shipped = sorted(p.name for p in (ROOT / "sim" / "data" / "us2014").iterdir())
    assert found["data"] == shipped
    assert found["goods"] == 20
    assert found["data_55"] == sorted(p.name for p in (ROOT / "sim" / "data" / "us2014_55").iterdir())
    assert found["goods_55"] == 55
    with zipfile.ZipFile(wheel) as archive:
        assert "councils-0.1.0.dist-info/licenses/LICENSE" in archive.namelist()


def test_the_readmes_commands_need_nothing_the_extras_they_install_lack():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    with open(ROOT / "pyproject.toml", "rb") as file:
        extras = tomllib.load(file)["project"]["optional-dependencies"]
    installs = re.findall(r"^\.venv/bin/pip install -e '\.\[(\w+)\]'([^#\n]*)", readme, flags=re.MULTILINE)
    assert "notebooks" in {extra for extra, _ in installs}
    assert all(not rest.strip() for _, rest in installs), installs  # an extra, and nothing installed beside it
    assert ".venv/bin/jupyter lab notebooks/" in readme
    assert any(requirement.startswith("jupyterlab") for requirement in extras["notebooks"])
    assert "python -m sim" not in readme  # outside the virtual environment there is no sim to run
