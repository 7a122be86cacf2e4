"""The import budget of a warm `mlbot ask`: the modules it may import, and no others.

A warm ask (knowledge cache filled) is most of what scripts and editors pay for: its cost
is start-up, and start-up is mostly imports. So the modules it imports are listed here,
and the test fails, naming the module, when one not on the list creeps in (issue 14).

How: `python -S` runs a small wrapper, so that the snapshot it takes before running mlbot
holds the interpreter's own start-up only (no `site`, no editable-install hook, which
imports re, pathlib, ... by itself in the development venv); the wrapper then puts the
sources and site-packages on sys.path, runs `mlbot ask` and prints the modules that the
run added to sys.modules.

To see the list today: `.venv/bin/python -m pytest tests/test_import_budget.py -s -k show`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "what does an mlops engineer do"

# Never on the warm ask path: the YAML stack (the cache hit needs no parsing), the REPL,
# lexicon and regex libraries, and the bot modules that use them.
FORBIDDEN = {
    "yaml", "_yaml", "prompt_toolkit", "wcwidth",
    "spellchecker", "pyspellchecker", "wordfreq", "lemminflect", "inflect", "simplemma",
    "regex", "re2",
    # records are bot.records, not @dataclass (which pulls in inspect, ast, dis, tokenize)
    "dataclasses", "inspect",
    "bot.loader", "bot.yamlsource", "bot.lint", "bot.repl", "bot.testing",
    # a plain `ask` is read without argparse (bot.cli.quick_args); argparse also imports
    # shutil and locale
    "argparse", "bot.cli_parser", "shutil",
}

# What a warm ask may import. An entry also allows its submodules ("json" allows
# "json.decoder"), which differ between Python versions.
ALLOWED = {
    # mlbot's own modules on the ask path: command line, cache, engine, answers
    "bot", "bot.cli", "bot.cache", "bot.problems", "bot.records", "bot.render", "bot.engine", "bot.answers",
    "bot.model", "bot.mapping", "bot.understanding", "bot.understanding.normalise",
    "bot.understanding.entities", "bot.understanding.intents", "bot.understanding.context",
    # interpreter start-up: `site` imports these in every normal start, `python -c pass` too
    "os", "posixpath", "genericpath", "stat", "_stat", "_collections_abc", "__future__",
    # core language support
    "types", "functools", "_functools", "collections", "_collections", "operator", "_operator",
    "itertools", "keyword", "reprlib", "copyreg", "copy", "weakref", "_weakrefset", "enum",
    "typing", "_typing", "contextlib", "warnings", "errno", "importlib",
    # text: the normaliser's patterns and Unicode folding
    "re", "_sre", "sre_compile", "sre_parse", "sre_constants", "unicodedata", "math",
    # the cache: a pickle, keyed by a blake2 hash
    "pickle", "_pickle", "_compat_pickle", "struct", "_struct", "_blake2",
    # `--json` output
    "json", "_json",
    # the Ctrl-C guard that keeps a very early interrupt from printing a traceback
    "signal", "_signal",
}

# Imported today only for what issue 14 (point 2) is cutting: allowed until that lands,
# by group: the module the ask path imports, and what it pulls in. When the first is no
# longer imported, the ratchet test below says so: delete its group here, so that none
# of it can come back unnoticed.
PENDING_CUT: dict[str, set[str]] = {}
PENDING = set(PENDING_CUT).union(*PENDING_CUT.values())

WRAPPER = """
import sys
before = set(sys.modules)
out, root, *site_dirs = sys.argv[1:]
sys.path[:0] = [root]
sys.path += site_dirs
sys.argv = ["mlbot", "ask", {question!r}]
from bot.cli import main
try:
    status = main()
except SystemExit as exc:
    status = exc.code
added = sorted(set(sys.modules) - before)
with open(out, "w") as f:
    f.write(str(status) + "\\n" + "\\n".join(added))
"""


def _covered(module: str, names: set[str]) -> bool:
    """`module` is one of `names`, or a submodule of one."""
    parts = module.split(".")
    return any(".".join(parts[:i]) in names for i in range(1, len(parts) + 1))


def _roots(modules: list[str]) -> str:
    """The modules, without the submodules of those listed: "yaml", not "yaml, yaml.cyaml, ..."."""
    listed = set(modules)
    return ", ".join(m for m in modules if not _covered(m.rpartition(".")[0], listed))


def warm_ask_modules(tmp_path: Path) -> list[str]:
    """The modules a warm `mlbot ask` adds to the interpreter's own start-up."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "MLBOT_"))}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    out = tmp_path / "modules.txt"
    site_dirs = sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]})
    argv = [sys.executable, "-S", "-c", WRAPPER.format(question=QUESTION), str(out), str(ROOT), *site_dirs]
    for run in ("cold: fills the cache", "warm"):
        done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60, check=False)
        status, *modules = out.read_text().splitlines()
        assert done.returncode == 0 and status in ("0", "None"), \
            f"{run} `mlbot ask {QUESTION!r}` failed ({done.returncode}, {status}):\n{done.stderr}"
    assert "bot.cli" in modules, modules
    return modules


@pytest.fixture(scope="module")
def modules(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    return warm_ask_modules(tmp_path_factory.mktemp("import-budget"))


def test_a_warm_ask_imports_nothing_forbidden(modules: list[str]) -> None:
    forbidden = [m for m in modules if _covered(m, FORBIDDEN)]
    assert not forbidden, (
        f"a warm `mlbot ask` imports {_roots(forbidden)}: the ask path must not need these "
        "(a cache hit parses no YAML, and answers without the REPL or a lexicon library)")


def test_a_warm_ask_imports_only_its_budget(modules: list[str]) -> None:
    extra = [m for m in modules if not _covered(m, ALLOWED | PENDING | FORBIDDEN)]
    assert not extra, (
        f"a warm `mlbot ask` now imports {_roots(extra)}, not in the import budget of "
        f"{Path(__file__).name}: import it lazily where it is used, or, if the ask path really "
        "needs it, add it to ALLOWED with the reason")


def test_the_budget_is_tightened_as_imports_are_cut(modules: list[str]) -> None:
    gone = sorted(name for name in PENDING_CUT if name not in modules)
    assert not gone, (
        f"a warm `mlbot ask` no longer imports {', '.join(gone)}: delete that group from "
        f"PENDING_CUT in {Path(__file__).name}, so that it cannot come back unnoticed")


def test_show(modules: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """Prints the list (with -s); always passes."""
    with capsys.disabled():
        print(f"\n{len(modules)} modules added by a warm `mlbot ask`:\n  " + "\n  ".join(modules))
