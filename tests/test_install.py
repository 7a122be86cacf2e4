"""The knowledge base ships inside the package: an installed mlbot needs no source tree."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_a_built_wheel_carries_the_knowledge(tmp_path):
    out = tmp_path / "dist"
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                            "-w", str(out), str(ROOT)], capture_output=True, text=True)
    if built.returncode != 0:
        pytest.skip(f"could not build a wheel here: {built.stderr[-300:]}")
    import zipfile

    (wheel,) = out.glob("mlbot-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for part in ("facts/roles.yaml", "facts/skills.yaml", "facts/career.yaml", "facts/notes.yaml",
                 "language/concepts.yaml", "language/intents.yaml", "language/templates.yaml",
                 "language/vocabulary.yaml"):
        assert f"bot/knowledge/{part}" in names
