"""mlbot benchmark: what a user gets from `pip install mlbot`, measured.

    .venv/bin/python benchmarks/bench.py             # full run (a few minutes)
    .venv/bin/python benchmarks/bench.py --quick     # smaller run (under a minute)
    .venv/bin/python benchmarks/bench.py --importtime  # where a warm `ask` spends its imports

The project is built into a wheel and installed, non-editable, into a fresh venv of the
benchmark's own (in a temporary directory; pip's cache is reused). Every figure comes from
that venv's `mlbot` and `python`, run with a clean environment (own HOME and XDG dirs), as a
user's shell would run them. The development venv is the wrong place to measure start-up:
its editable install adds an import hook to every start, `python -c pass` included, which
flatters the ratio.

Prints one markdown table, every figure with its target beside it. The machine is shared
and noisy, so `mlbot ask` and `python -c pass` run in turn, pair by pair, and the figure is
the median of the per-pair ratios: both members of a pair see the same load.

Nothing here needs files outside the repository: the questions come from
`../shared/eval/dev.yaml` when it exists (or `--questions FILE`), else from a built-in
list. The user's own cache is never touched: every child gets its own XDG_CACHE_HOME.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import pickle
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEV_QUESTIONS = os.path.join(os.path.dirname(ROOT), "shared", "eval", "dev.yaml")
ASK_QUESTION = "what does an mlops engineer do"

# Used when no dev.yaml is at hand: every intent, a few typos, one follow-up conversation.
BUILTIN_QUESTIONS: list[list[str]] = [
    ["what does an MLOps engineer do", "and what skills do they need?", "which level is that?",
     "and NLP engineers?"],
    ["Tell me about computer vision engineers.", "compare it with a data scientist"],
    ["what skills does a computer vision engineer need?"],
    ["what kind of tasks does a data scientist work on?"],
    ["does an NLP engineer use spaCy?"],
    ["difference between an ML engineer and an MLOps engineer"],
    ["which roles use Docker?"],
    ["I know OpenCV and PyTorch - which role suits me?"],
    ["what jobs are there in machine learning?", "tell me about the second one"],
    ["what skills do all ML roles need?"],
    ["what does an ML career path look like?"],
    ["which roles are entry level?"],
    ["what comes after junior ML engineer?"],
    ["how do I become head of AI?"],
    ["what is machine learning?"],
    ["summarize the notes"],
    ["hi"], ["thanks!"], ["bye"], ["what can you do?"],
    ["what does a data engineer do?", "what about an MLOps engineer then?"],
    ["what does an mlops enginer do"],
    ["what skils does a resarch scientist need"],
    ["does a data scientst need statistcs?"],
    ["do ML jobs need Java?"],
    ["what's the weather like today?"],
    ["tell me about the product manager role"],
    ["what tools does an nlp engineer use"],
    ["which role uses kubernetes and mlflow"],
    ["what level is a chief data scientist"],
]

# Syllables for synthetic names: pronounceable, alphabetic, not English words.
_SYLLABLES = ("ka", "lo", "mi", "ren", "tor", "vex", "qua", "zil", "bro", "dun", "fe", "gar",
              "hin", "jov", "kel", "mur", "nox", "pel", "rix", "sul", "tam", "ulo", "vin", "wex")
_HEADS = ("engineer", "scientist", "analyst", "architect", "developer", "researcher",
          "specialist", "manager", "consultant", "designer")


# --- statistics -------------------------------------------------------------------------

def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else math.nan


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def pair_ratios(numerators: Sequence[float], denominators: Sequence[float]) -> list[float]:
    """The ratio within each pair (runs taken side by side), pairs with a failed run left out.
    The median of these is steadier than a ratio of medians on a loaded machine: a burst of
    load slows both members of a pair."""
    return [a / b for a, b in zip(numerators, denominators, strict=True)
            if b > 0 and not (math.isnan(a) or math.isnan(b))]


# --- the installation under test ----------------------------------------------------------

@dataclass
class Install:
    """A Python environment with mlbot installed: its interpreter and its `mlbot` script."""
    prefix: str
    how: str  # said in the table's heading
    built: bool = False  # by this run, from the wheel: its figures must come from the venv

    @property
    def python(self) -> str:
        return os.path.join(self.prefix, "bin", "python")

    @property
    def mlbot(self) -> str:
        return os.path.join(self.prefix, "bin", "mlbot")


# What the wheel is built from: the working tree (uncommitted edits included), without the
# things a build must not see or write into (setuptools writes build/ and *.egg-info beside
# the sources; other engineers' worktrees are not ours to litter).
_NOT_SOURCES = shutil.ignore_patterns(".git", ".venv*", "venv", "build", "dist", "*.egg-info",
                                      "__pycache__", ".*_cache", ".hypothesis")


def build_install(tmp: str) -> Install:
    """Build a wheel of the project and install it, non-editable, into a fresh venv: what
    `pip install mlbot` gives a user. Dependencies come from the configured index."""
    src = os.path.join(tmp, "src")
    shutil.copytree(ROOT, src, ignore=_NOT_SOURCES)
    dist = os.path.join(tmp, "dist")
    _pip([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", dist, src], "build the wheel")
    (wheel,) = (os.path.join(dist, name) for name in os.listdir(dist) if name.endswith(".whl"))
    prefix = os.path.join(tmp, "venv")
    # `-m venv` from inside a venv makes the new one from the base interpreter, with pip
    # (and, up to Python 3.11, setuptools and its .pth hook), as a user's `python -m venv` has
    _pip([sys.executable, "-m", "venv", prefix], "create the venv")
    install = Install(prefix, f"wheel {os.path.basename(wheel)} installed into a fresh venv", built=True)
    _pip([install.python, "-m", "pip", "install", "-q", wheel], "install the wheel")
    return install


def existing_install(prefix: str) -> Install:
    """An environment given with --venv (nothing built): to re-measure, or to smoke-test."""
    prefix = os.path.abspath(prefix)
    if not os.access(os.path.join(prefix, "bin", "mlbot"), os.X_OK):
        raise SystemExit(f"bench.py: no bin/mlbot in {prefix}")
    return Install(prefix, f"existing environment {prefix}")


def _pip(argv: list[str], what: str) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"bench.py: could not {what}:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")


def user_env(install: Install, home: str, cache_home: str) -> dict[str, str]:
    """A clean environment, as a user's shell has it: the venv's bin first on PATH, a home of
    its own, and none of this shell's settings (PYTHONDONTWRITEBYTECODE, MLBOT_*, ...). The
    mlbot cache lives in `cache_home`: the same directory for warm runs, a new one for cold.
    The cache's per-user secret (`$XDG_STATE_HOME/mlbot/cache-key`) lives beside it, in a
    state directory of the same name: a cold run makes its secret as a user's first run does,
    and no run ever touches the real user's state directory."""
    state_home = os.path.join(os.path.dirname(os.path.dirname(cache_home)), "state",
                              os.path.basename(cache_home))
    env = {
        "PATH": f"{os.path.join(install.prefix, 'bin')}:/usr/local/bin:/usr/bin:/bin",
        "HOME": home,
        "LANG": os.environ.get("LANG") or "C.UTF-8",
        "XDG_CACHE_HOME": cache_home,
        "XDG_STATE_HOME": state_home,
        "XDG_CONFIG_HOME": os.path.join(home, ".config"),
    }
    if "LC_ALL" in os.environ:
        env["LC_ALL"] = os.environ["LC_ALL"]
    return env


@dataclass
class Run:
    wall: float  # seconds
    maxrss_kb: int
    status: int


# Peak RSS of a child comes from wait4, but Linux counts in it the memory of the process
# that forked it, as it was at exec time: spawned straight from this (large) process, even
# `python -c pass` would read as tens of MB. So children are started by this small launcher
# (`python -I -S`, about 8 MB, less than any Python program it starts), which forks, execs
# the command, times it and reports "seconds maxrss_kb status" to a file.
LAUNCHER = """
import os, sys, time
result, stdin, stdout, *argv = sys.argv[1:]
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        if stdin != "-":
            os.dup2(os.open(stdin, os.O_RDONLY), 0)
        if stdout != "-":
            fd = os.open(stdout, os.O_WRONLY)
            os.dup2(fd, 1)
            os.dup2(fd, 2)
        os.execv(argv[0], argv)
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - start
with open(result, "w") as f:
    f.write(f"{wall} {usage.ru_maxrss} {os.waitstatus_to_exitcode(status)}")
"""


def _launch(argv: list[str], env: dict[str, str], stdin: str, stdout: str,
            pass_fds: tuple[int, ...] = (), stdin_fd: int | None = None,
            stdout_fd: int | None = None) -> subprocess.Popen[bytes]:
    fd, result = tempfile.mkstemp(prefix="mlbot-bench-run-")
    os.close(fd)
    proc = subprocess.Popen(
        [sys.executable, "-I", "-S", "-c", LAUNCHER, result, stdin, stdout, *argv], env=env,
        stdin=stdin_fd if stdin_fd is not None else subprocess.DEVNULL,
        stdout=stdout_fd if stdout_fd is not None else subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, pass_fds=pass_fds)
    proc.result_path = result  # type: ignore[attr-defined]
    return proc


def _result(proc: subprocess.Popen[bytes]) -> Run:
    proc.wait()
    path: str = proc.result_path  # type: ignore[attr-defined]
    try:
        with open(path, encoding="ascii") as f:
            wall, rss, status = f.read().split()
    except (OSError, ValueError):
        return Run(math.nan, 0, 127)
    finally:
        os.remove(path)
    return Run(float(wall), int(rss), int(status))


def run_child(argv: list[str], env: dict[str, str], stdin_path: str = os.devnull) -> Run:
    """Run `argv` with stdin from `stdin_path`, output discarded: its wall time and the
    peak RSS of exactly this child."""
    return _result(_launch(argv, env, stdin_path, os.devnull))


def run_piped(argv: list[str], env: dict[str, str], data: bytes) -> tuple[Run, int]:
    """Feed `data` through a pipe, read stdout through a pipe; (run, lines of output)."""
    in_r, in_w = os.pipe()
    out_r, out_w = os.pipe()
    proc = _launch(argv, env, "-", "-", stdin_fd=in_r, stdout_fd=out_w)
    os.close(in_r)
    os.close(out_w)

    def feed() -> None:
        with os.fdopen(in_w, "wb") as f:
            try:
                f.write(data)
            except BrokenPipeError:
                pass

    writer = threading.Thread(target=feed)
    writer.start()
    lines = 0
    with os.fdopen(out_r, "rb", buffering=0) as f:
        while chunk := f.read(1 << 16):
            lines += chunk.count(b"\n")
    writer.join()
    return _result(proc), lines


# --- questions --------------------------------------------------------------------------

def load_conversations(path: str | None) -> tuple[list[list[str]], str]:
    """Conversations (lists of questions) from a canned-test YAML file or a text file (one
    question a line, a blank line between conversations); else the built-in list."""
    candidates = [path] if path else [DEV_QUESTIONS]
    for candidate in candidates:
        if not candidate or not os.path.isfile(candidate):
            continue
        if candidate.endswith((".yaml", ".yml")):
            import yaml

            with open(candidate, encoding="utf-8") as f:
                doc = yaml.safe_load(f)
            convs = [[str(t["ask"]) for t in c.get("turns", []) if "ask" in t]
                     for c in doc.get("conversations", [])]
        else:
            convs = read_question_file(candidate)
        convs = [c for c in convs if c]
        if convs:
            return convs, os.path.relpath(candidate, ROOT)
    return BUILTIN_QUESTIONS, "built-in list"


def read_question_file(path: str) -> list[list[str]]:
    convs: list[list[str]] = [[]]
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.strip():
                convs[-1].append(line)
            elif convs[-1]:
                convs.append([])
    return [c for c in convs if c]


def write_question_file(path: str, convs: list[list[str]]) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n\n".join("\n".join(c) for c in convs) + "\n")


# --- synthetic knowledge bases ----------------------------------------------------------

def _pseudo_words(count: int, rng: random.Random, taken: set[str]) -> list[str]:
    out: list[str] = []
    syllables = 2
    while len(out) < count:
        word = "".join(rng.choice(_SYLLABLES) for _ in range(syllables))
        if word not in taken:
            taken.add(word)
            out.append(word)
        if len(taken) > 0.5 * len(_SYLLABLES) ** syllables:
            syllables += 1
    return out


def make_knowledge(directory: str, n_roles: int, seed: int = 7) -> list[list[str]]:
    """Write a knowledge dir (facts/ only; the built-in language is borrowed) with
    `n_roles` synthetic roles, and return questions about it."""
    import yaml

    dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    rng = random.Random(seed)
    builtin_facts = os.path.join(ROOT, "knowledge", "facts")
    with open(os.path.join(builtin_facts, "skills.yaml"), encoding="utf-8") as f:
        base_skills = yaml.safe_load(f)["skills"]
    with open(os.path.join(builtin_facts, "career.yaml"), encoding="utf-8") as f:
        career = yaml.safe_load(f)

    taken: set[str] = set()
    # name = Domain Specialty head: enough combinations for 10,000 distinct names
    domains = _pseudo_words(max(5, math.ceil(math.sqrt(n_roles / len(_HEADS))) + 2), rng, taken)
    specialties = _pseudo_words(max(5, math.ceil(n_roles / len(_HEADS) / len(domains)) + 2), rng, taken)
    combos = [(d, s, h) for d in domains for s in specialties for h in _HEADS]
    rng.shuffle(combos)
    combos = combos[:n_roles]
    skill_names = [w.capitalize() for w in _pseudo_words(max(20, n_roles // 2), rng, taken)]

    roles: list[dict[str, Any]] = []
    for i, (domain, specialty, head) in enumerate(combos):
        picked = rng.sample(skill_names, rng.randint(3, 5))
        roles.append({
            "id": f"role_{i:05d}",
            "name": f"{domain.capitalize()} {specialty.capitalize()} {head.capitalize()}",
            "aliases": [f"{specialty} {domain} {head}", f"{domain}{specialty} {head}"],
            "focus": f"Build {domain} {specialty} systems",
            "skills": picked,
            "skills_as_written": ", ".join(picked),
            "tasks": [f"Ship {picked[0]} pipelines", f"Tune {domain} models"],
        })
    skills = base_skills + [{"name": s, "aliases": [f"{s.lower()} toolkit"]} for s in skill_names]
    for k, level in enumerate(career["levels"]):
        level["roles"] = [r["id"] for j, r in enumerate(roles) if j % len(career["levels"]) == k]

    facts = os.path.join(directory, "facts")
    os.makedirs(facts, exist_ok=True)
    for name, doc in (("roles.yaml", {"roles": roles}), ("skills.yaml", {"skills": skills}),
                      ("career.yaml", career)):
        with open(os.path.join(facts, name), "w", encoding="utf-8") as f:
            yaml.dump(doc, f, Dumper=dumper, sort_keys=False, allow_unicode=True)
    shutil.copy(os.path.join(builtin_facts, "notes.yaml"), os.path.join(facts, "notes.yaml"))

    def typo(text: str) -> str:
        words = text.split()
        k = max(range(len(words)), key=lambda j: len(words[j]))
        w = words[k]
        cut = rng.randrange(1, len(w) - 1)
        words[k] = w[:cut] + w[cut + 1:]
        return " ".join(words)

    convs: list[list[str]] = []
    sample = rng.sample(roles, min(len(roles), 30))
    for j, role in enumerate(sample):
        other = sample[(j + 1) % len(sample)]
        skill = role["skills"][0]
        convs.append([f"what does a {role['name']} do", "and what skills do they need?",
                      "which level is that?"])
        convs.append([f"what skills does a {role['aliases'][0]} need"])
        convs.append([f"does a {role['aliases'][1]} use {skill}?"])
        convs.append([f"which roles use {skill}?"])
        convs.append([f"difference between a {role['name']} and a {other['name']}"])
        convs.append([typo(f"what does a {role['name']} do")])
    convs += [["hi"], ["what is machine learning?"], ["what jobs are there in machine learning?"],
              ["which roles are entry level?"], ["what does a plumber do?"]]
    return convs


# --- the worker: runs in its own process so memory and imports are its own ---------------

def worker(knowledge: str | None, questions: str, rounds: int, cache_home: str,
           lint: bool) -> dict[str, Any]:
    os.environ["XDG_CACHE_HOME"] = cache_home
    os.environ.pop("MLBOT_NO_CACHE", None)
    if not lint:
        # The warnings pass of the loader adds only warnings, which load_knowledge drops:
        # the Knowledge is the same without it. Used when it is too slow to wait for.
        import bot.lint

        bot.lint.likely_mistakes = lambda *args, **kwargs: []  # type: ignore[assignment]
    from bot.loader import load_knowledge, resolve_dir

    directory = resolve_dir(knowledge)
    parse: list[float] = []
    build: list[float] = []
    while len(parse) < 3:
        start = time.perf_counter()
        loaded = load_knowledge(directory)
        middle = time.perf_counter()
        from bot.engine import Bot

        fresh = Bot(loaded)
        end = time.perf_counter()
        parse.append(middle - start)
        build.append(end - middle)
        if end - start > 1.0:
            break  # one pass is enough for the large bases

    from bot import cache

    cache.load_bot(knowledge)  # a miss: parse, build, write the entry
    warm: list[float] = []
    for _ in range(3):
        start = time.perf_counter()
        cached = cache.load_bot(knowledge)
        warm.append(time.perf_counter() - start)
    # a cache that silently never hits would still give right answers: check it is used
    hit = any(name.startswith("bot-") for name in os.listdir(cache.cache_dir()))

    blob = pickle.dumps(cached, protocol=pickle.HIGHEST_PROTOCOL)  # before any question
    convs = read_question_file(questions)
    # answers from the cached Bot must be those of a freshly built one
    identical = True
    for conv in convs:
        ctx_a = ctx_b = None
        for q in conv:
            a, b = fresh.answer(q, ctx_a), cached.answer(q, ctx_b)
            ctx_a, ctx_b = a.context, b.context
            if (a.to_json(), a.text) != (b.to_json(), b.text):
                identical = False

    # every round gets a new copy of the Bot, so that memoised typo corrections do not
    # flatter the figures (a `mlbot ask` process starts with none); the untimed pass above
    # has done the lazy imports (rapidfuzz on the first typo), a once-per-process cost
    # that the `mlbot ask` figures include
    # Wall time is what a caller waits; on a shared 2-core machine it also holds the
    # scheduler's time slices (~4 ms each time another process runs first), which set the
    # p99 whenever the load average is above the core count. The thread's CPU time has
    # only mlbot's own work (GC included), so both are kept.
    samples: list[float] = []
    cpu: list[float] = []
    wall_clock, cpu_clock = time.perf_counter_ns, time.thread_time_ns
    for _ in range(rounds):
        copy = pickle.loads(blob)
        for conv in convs:
            ctx = None
            for q in conv:
                start_cpu, start_ns = cpu_clock(), wall_clock()
                answer = copy.answer(q, ctx)
                end_ns, end_cpu = wall_clock(), cpu_clock()
                samples.append((end_ns - start_ns) / 1000)
                cpu.append((end_cpu - start_cpu) / 1000)
                ctx = answer.context
    import bot

    return {
        "bot": os.path.dirname(os.path.abspath(bot.__file__)),  # the package measured
        "parse_ms": 1000 * median(parse), "build_ms": 1000 * median(build),
        "cache_load_ms": 1000 * median(warm), "cache_hit": hit, "lint": lint,
        "questions": sum(len(c) for c in convs), "samples": len(samples),
        "p50_us": percentile(samples, 50), "p99_us": percentile(samples, 99),
        "cpu_p50_us": percentile(cpu, 50), "cpu_p99_us": percentile(cpu, 99),
        "max_us": max(samples), "identical": identical,
        "roles": len(loaded.facts.roles), "skills": len(loaded.facts.skills),
    }


def run_worker(install: Install, knowledge: str | None, questions: str, rounds: int,
               cache_home: str, env: dict[str, str], budget: float | None = None) -> dict[str, Any]:
    """The worker's figures, from the installed package: this file runs under the bench
    venv's interpreter with -I (no PYTHONPATH, no script directory on sys.path), so `bot`
    is the installed one. When the full load (with the loader's warnings pass) takes longer
    than `budget` seconds, measure again without that pass and say so."""
    argv = [install.python, "-I", os.path.abspath(__file__), "--worker", "--questions", questions,
            "--rounds", str(rounds), "--cache-home", cache_home]
    if knowledge:
        argv += ["--knowledge", knowledge]
    timed_out = False
    for extra in ([], ["--no-lint"]):
        try:
            done = subprocess.run(argv + extra, capture_output=True, text=True, env=env,
                                  check=False, timeout=None if extra else budget)
        except subprocess.TimeoutExpired:
            timed_out = True
            continue
        if done.returncode != 0:
            raise RuntimeError(f"worker failed ({done.returncode}):\n{done.stderr}")
        result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        result["timed_out"] = timed_out
        return result
    raise AssertionError("unreachable")


# --- REPL -------------------------------------------------------------------------------

def measure_repl(install: Install, env: dict[str, str], prompt: str, timeout: float) -> tuple[float, int]:
    """(seconds from spawn to the first prompt, peak RSS in KB) of `mlbot` on a terminal."""
    import pexpect

    env = dict(env, TERM="xterm-256color", COLUMNS="80", LINES="24")
    start = time.perf_counter()
    child = pexpect.spawn(install.mlbot, [], env=env, dimensions=(24, 80), timeout=timeout)
    try:
        child.expect(prompt)
        elapsed = time.perf_counter() - start
        peak = 0
        try:
            with open(f"/proc/{child.pid}/status", encoding="ascii") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        peak = int(line.split()[1])
        except OSError:
            pass
        child.sendeof()
        try:
            child.expect(pexpect.EOF, timeout=5)
        except pexpect.TIMEOUT:
            pass
    finally:
        child.close(force=True)
    return elapsed, peak


# --- the table --------------------------------------------------------------------------

@dataclass
class Table:
    rows: list[tuple[str, str, str, str]] = field(default_factory=list)

    def add(self, figure: str, value: str, target: str = "", ok: bool | None = None) -> None:
        status = "" if ok is None else ("met" if ok else "**missed**")
        self.rows.append((figure, value, target, status))

    def markdown(self) -> str:
        head = ("figure", "measured (median)", "target", "")
        lines = ["| " + " | ".join(head) + " |", "|---|---:|---|---|"]
        lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        return "\n".join(lines)


def ms(seconds: float) -> str:
    return "n/a" if math.isnan(seconds) else f"{seconds * 1000:.1f} ms"


def mb(kb: float) -> str:
    return "n/a" if math.isnan(kb) or not kb else f"{kb / 1024:.1f} MB"


def us(value: float) -> str:
    if math.isnan(value):
        return "n/a"
    return f"{value:.0f} µs" if value < 10_000 else f"{value / 1000:.1f} ms"


def rate(per_second: float) -> str:
    return "n/a" if math.isnan(per_second) else f"{per_second:,.0f} questions/s"


def ratio(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.2f}x bare"


# --- the rows: each function measures one thing and adds its rows to the table ----------

@dataclass
class Bench:
    """What every row needs. A row is a function of this, independent of the others (it
    fills its own caches), so that rows can be added, dropped or run alone."""
    install: Install
    tmp: str
    convs: list[list[str]]  # questions, in conversations
    questions_file: str  # the same, one a line (the worker's input)
    pairs: int  # start-up pairs
    repl_runs: int
    rounds: int  # in-process passes over the questions
    many: int  # questions fed to `ask -` and `chat --json`
    repeats: int  # runs of each of those
    sizes: list[int]  # roles of the synthetic knowledge bases
    aliases: int  # aliases of the many-aliases base (0: no such rows)
    prompt: str
    load_budget: float
    seed: int
    table: Table = field(default_factory=Table)
    raw: dict[str, Any] = field(default_factory=dict)

    def env(self, cache: str) -> dict[str, str]:
        """The user's environment, with the mlbot cache in a directory named `cache`: the
        same name gives the same (warm) cache, a new name an empty one."""
        return user_env(self.install, os.path.join(self.tmp, "home"),
                        os.path.join(self.tmp, "cache", cache))

    def many_questions(self) -> bytes:
        """`self.many` questions, the conversations cycled, one a line."""
        flat = [q for conv in self.convs for q in conv]
        return ("\n".join(flat[i % len(flat)] for i in range(self.many)) + "\n").encode()


def paired_runs(first: Callable[[int], Run], second: Callable[[int], Run], pairs: int) -> tuple[list[Run], list[Run]]:
    """Run `first(i)` and `second(i)` side by side, `pairs` times; who goes first
    alternates, so that neither always runs on the caches the other has just warmed."""
    a: list[Run] = []
    b: list[Run] = []
    for i in range(pairs):
        if i % 2 == 0:
            a.append(first(i))
            b.append(second(i))
        else:
            b.append(second(i))
            a.append(first(i))
    return a, b


def check_status(runs: Sequence[Run], what: str, allowed: tuple[int, ...] = (0,)) -> None:
    bad = [r.status for r in runs if r.status not in allowed]
    if bad:
        raise RuntimeError(f"{what} failed with status {bad[0]}")


def startup_rows(b: Bench) -> None:
    """Warm and cold `mlbot ask` against `python -c pass` of the same venv; peak RSS."""
    ask = [b.install.mlbot, "ask", ASK_QUESTION]
    bare = [b.install.python, "-c", "pass"]
    warm = b.env("warm")
    for _ in range(2):  # fill the mlbot cache; bring both programs' files into the page cache
        run_child(ask, warm)
        run_child(bare, warm)

    progress(f"start-up: {b.pairs} pairs of warm `ask` / `python -c pass`, then of cold `ask` / bare")
    warm_asks, bares = paired_runs(lambda i: run_child(ask, warm), lambda i: run_child(bare, warm), b.pairs)
    # cold: an empty cache every time (the first `ask` after an install or an edit of the notes)
    cold_asks, cold_bares = paired_runs(lambda i: run_child(ask, b.env(f"cold{i}")),
                                        lambda i: run_child(bare, warm), b.pairs)
    check_status(warm_asks + cold_asks, f"`{' '.join(ask)}`")
    check_status(bares + cold_bares, "`python -c pass`")

    warm_ratio = median(pair_ratios([r.wall for r in warm_asks], [r.wall for r in bares]))
    cold_ratio = median(pair_ratios([r.wall for r in cold_asks], [r.wall for r in cold_bares]))
    b.raw["startup"] = {"warm_ask": [r.wall for r in warm_asks], "bare": [r.wall for r in bares],
                        "cold_ask": [r.wall for r in cold_asks], "cold_bare": [r.wall for r in cold_bares],
                        "warm_ratio": warm_ratio, "cold_ratio": cold_ratio}
    b.table.add("`python -c pass` (bare interpreter, same venv)", ms(median([r.wall for r in bares])))
    b.table.add(f"`mlbot ask`, warm: median of {b.pairs} paired ratios (ask time)",
                f"{ratio(warm_ratio)} ({ms(median([r.wall for r in warm_asks]))})",
                "≤ 2.0x bare", warm_ratio <= 2.0)
    b.table.add("`mlbot ask`, cold (empty cache): paired ratio (ask time)",
                f"{ratio(cold_ratio)} ({ms(median([r.wall for r in cold_asks]))})")
    b.table.add("peak RSS: `mlbot ask`, warm / cold / `python -c pass`",
                f"{mb(median([r.maxrss_kb for r in warm_asks]))} / {mb(median([r.maxrss_kb for r in cold_asks]))}"
                f" / {mb(median([r.maxrss_kb for r in bares]))}")


def ask_stdin_missing(b: Bench, env: dict[str, str]) -> str | None:
    """Why `mlbot ask -` cannot be measured (this build has no such mode), or None. An
    older `ask` takes "-" for a question and answers it once: three questions in must
    give three JSON lines out."""
    try:
        done = subprocess.run([b.install.mlbot, "ask", "--json", "-"], input="hi\nwhat is machine learning?\nbye\n",
                              capture_output=True, text=True, env=env, timeout=30, check=False)
    except subprocess.TimeoutExpired:
        return "`ask -` did not return"
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    try:
        parsed = [json.loads(line) for line in lines]
    except ValueError:
        parsed = []
    if done.returncode not in (0, 1) or len(parsed) != 3:
        return "this build has no `ask -`"
    return None


def stdin_rows(b: Bench) -> None:
    """Many questions on stdin: `ask --json -` (each answered on its own) and piped
    `chat --json` (a conversation); questions per wall second, start-up included."""
    env = b.env("warm")
    data = b.many_questions()
    commands = [("ask --json -", [b.install.mlbot, "ask", "--json", "-"], (0, 1)),
                ("chat --json", [b.install.mlbot, "chat", "--json"], (0,))]
    for name, argv, statuses in commands:
        why_not = ask_stdin_missing(b, env) if name.startswith("ask") else None
        label = f"`mlbot {name}`, {b.many:,} questions piped in (incl. start-up)"
        if why_not:
            b.table.add(label, f"n/a: {why_not}", "≥ 15,000/s")
            b.raw[name] = why_not
            continue
        progress(f"throughput: {b.many:,} questions piped to {name}, {b.repeats}x")
        runs: list[Run] = []
        for _ in range(b.repeats):
            done, lines = run_piped(argv, env, data)
            if done.status not in statuses or lines != b.many:
                raise RuntimeError(f"{name} gave {lines} lines for {b.many} questions (status {done.status})")
            runs.append(done)
        qps = median([b.many / r.wall for r in runs])
        b.raw[name] = {"qps": [b.many / r.wall for r in runs], "maxrss_kb": [r.maxrss_kb for r in runs]}
        b.table.add(label, rate(qps), "≥ 15,000/s", qps >= 15_000)
        b.table.add(f"peak RSS: `{name}`, {b.many:,} questions", mb(median([r.maxrss_kb for r in runs])))


def repl_rows(b: Bench) -> None:
    """`mlbot` on a pty: time from spawn to the first prompt, and peak RSS at that moment."""
    label = "REPL (`mlbot` on a pty): spawn to first prompt"
    why_not = None if b.repl_runs > 0 else "skipped (--repl-runs 0)"
    try:
        import pexpect  # noqa: F401  (a test extra of the development venv)
    except ImportError:
        why_not = "pexpect not installed"
    times: list[float] = []
    rss: list[int] = []
    if why_not is None:
        env = b.env("warm")
        progress(f"REPL: {b.repl_runs} starts")
        try:
            measure_repl(b.install, env, b.prompt, timeout=15)  # fills the cache, if empty
            for _ in range(b.repl_runs):
                elapsed, peak = measure_repl(b.install, env, b.prompt, timeout=15)
                times.append(elapsed)
                rss.append(peak)
        except Exception as exc:  # noqa: BLE001 - say so in the table, measure the rest
            why_not = f"failed: {type(exc).__name__}"
    b.raw["repl"] = {"seconds": times, "vmhwm_kb": rss}
    if why_not is None:
        first_prompt = median(times)
        b.table.add(label, ms(first_prompt), "≤ 150 ms", first_prompt <= 0.150)
        b.table.add("peak RSS: REPL at its first prompt", mb(median(rss)))
    else:
        b.table.add(label, f"n/a: {why_not}", "≤ 150 ms")


def in_process_rows(b: Bench) -> None:
    """Per-question latency of the installed package, in a child of the bench venv."""
    progress(f"in-process: {b.rounds} rounds over {sum(map(len, b.convs))} questions")
    home = os.path.join(b.tmp, "cache", "worker")
    notes = run_worker(b.install, None, b.questions_file, b.rounds, home, b.env("worker"))
    b.raw["notes"] = notes
    if b.install.built and not notes["bot"].startswith(b.install.prefix + os.sep):
        raise RuntimeError(f"the worker measured {notes['bot']}, not the package installed in {b.install.prefix}")
    b.table.add(f"in-process `Bot.answer` p50, wall ({notes['questions']} questions × {b.rounds})",
                f"{us(notes['p50_us'])} (CPU {us(notes['cpu_p50_us'])})", "≤ 150 µs", notes["p50_us"] <= 150)
    # judged on CPU time: a wall p99 on a loaded shared machine measures the scheduler
    b.table.add("in-process `Bot.answer` p99, thread CPU time",
                f"{us(notes['cpu_p99_us'])} (wall {us(notes['p99_us'])})", "≤ 1 ms", notes["cpu_p99_us"] <= 1000)
    b.table.add("notes: parse + check YAML / build Bot / Bot from cache",
                f"{ms(notes['parse_ms'] / 1000)} / {ms(notes['build_ms'] / 1000)} / "
                f"{ms(notes['cache_load_ms'] / 1000)}")
    same = notes["identical"] and notes["cache_hit"]
    b.table.add("answers with cache = without", "yes" if same else
                ("**NO**" if not notes["identical"] else "**cache not written**"), "identical", same)


def scaling_rows(b: Bench) -> None:
    """Synthetic knowledge bases of growing size: load, latency, and a warm `ask`."""
    b.raw["scaling"] = {}
    for n in b.sizes:
        progress(f"scaling: {n:,} roles")
        kdir = os.path.join(b.tmp, f"kb{n}")
        qfile = os.path.join(b.tmp, f"kb{n}.txt")
        write_question_file(qfile, make_knowledge(kdir, n, seed=b.seed + n))
        env = b.env(f"scale{n}")
        # the worker leaves a filled cache in XDG_CACHE_HOME for the `ask` runs below
        result = run_worker(b.install, kdir, qfile, max(1, b.rounds // (1 if n <= 1000 else 4)),
                            env["XDG_CACHE_HOME"], env, b.load_budget)
        scale_ask = [b.install.mlbot, "--knowledge", kdir, "ask", "what does an engineer do"]
        asks = [run_child(scale_ask, env) for _ in range(5)]
        check_status(asks, f"`mlbot ask` on {n} roles", (0, 1))
        result["ask_ms"] = 1000 * median([r.wall for r in asks])
        result["ask_rss_kb"] = median([r.maxrss_kb for r in asks])
        b.raw["scaling"][n] = result
        label = f"{n:,} roles, {result['skills']:,} skills"
        target, ok = ("p50 < 2 ms", result["p50_us"] < 2000) if n == 1000 else ("", None)
        b.table.add(f"{label}: per-question p50 / p99 (CPU p99)",
                    f"{us(result['p50_us'])} / {us(result['p99_us'])} ({us(result['cpu_p99_us'])})", target, ok)
        load = ms(result["parse_ms"] / 1000)
        if result["timed_out"]:
            load = f"> {b.load_budget:.0f} s; {load} without the warnings pass"
        b.table.add(f"{label}: parse + check / build Bot / Bot from cache",
                    f"{load} / {ms(result['build_ms'] / 1000)} / {ms(result['cache_load_ms'] / 1000)}")
        b.table.add(f"{label}: warm `mlbot ask`: time / peak RSS",
                    f"{ms(result['ask_ms'] / 1000)} / {mb(result['ask_rss_kb'])}")
        if not (result["identical"] and result["cache_hit"]):
            b.table.add(f"{label}: answers with cache = without", "**NO**", "identical", False)


# --- a knowledge base with many aliases -----------------------------------------------------

MANY_ALIASES = 50_000
ALIASED_SKILLS = 10
# Typos in every question: the corrector must search the large vocabulary for each.
TYPO_QUESTIONS = [
    "what skils does an mlops enginer need", "does a data scientst need statistcs",
    "whta does a machne learning engineer do", "which rolse use kubernets",
    "what tols does an nlp engneer use", "does a reserch scientist use pytorh",
    "wich role uses dokcer and mlfow", "what levle is a chief data scientst",
    "tell me abuot computr vision engineers", "what skils do all ml rolse need",
    "how do i becme head of ai", "what comes aftr junior ml enginer",
    "does a data analsyt need pyhton", "compare a data scientst with an ml enginer",
    "which rolse are entery level", "i knw opencv and pytroch - which role suits me",
    "what dose an ai product manger do", "which roles use tensorflw", "do ml jobs ned java",
    "what is machien lerning",
]

ALIASES_WORKER = """
import json, sys, time
directory, questions = sys.argv[1], json.loads(sys.argv[2])
from bot.loader import check_knowledge
start = time.perf_counter()
knowledge, problems = check_knowledge(directory)
check_s = time.perf_counter() - start
errors = [str(p) for p in problems if not p.warning]
if knowledge is None:
    raise SystemExit("the knowledge base has errors: " + "; ".join(errors[:3]))
aliases = sum(len(skill.aliases) for skill in knowledge.facts.skills)
from bot.engine import Bot
start = time.perf_counter()
bot = Bot(knowledge)
build_s = time.perf_counter() - start
bot.answer("warm up the lazy imports")  # rapidfuzz on the first typo: once a process
start = time.perf_counter()
answers = [bot.answer(q) for q in questions]
answer_s = time.perf_counter() - start
print(json.dumps({"check_s": check_s, "build_s": build_s, "answer_s": answer_s, "aliases": aliases,
                  "warnings": len(problems), "understood": sum(a.understood for a in answers)}))
"""


def make_many_aliases(directory: str, count: int = MANY_ALIASES, skills: int = ALIASED_SKILLS,
                      seed: int = 11) -> None:
    """The built-in knowledge base with `count` synthetic aliases spread over its first
    `skills` skills (skills.yaml rewritten with yaml; the rest copied as they are)."""
    import yaml  # the development venv's, where the benchmark runs

    shutil.copytree(os.path.join(ROOT, "knowledge"), directory, ignore=shutil.ignore_patterns("__pycache__"))
    path = os.path.join(directory, "facts", "skills.yaml")
    with open(path, encoding="utf-8") as f:
        data = yaml.safe_load(f)
    taken = {str(a).lower() for s in data["skills"] for a in (s["name"], *s.get("aliases", []))}
    words = _pseudo_words(count, random.Random(seed), taken)
    for i, skill in enumerate(data["skills"][:skills]):
        skill["aliases"] = [*skill.get("aliases", []), *words[i::skills]]
    with open(path, "w", encoding="utf-8") as f:
        yaml.safe_dump(data, f, allow_unicode=True, sort_keys=False)


def many_aliases_rows(b: Bench) -> None:
    """The built-in notes with 50,000 aliases: load + validate in a child of the venv, then
    20 typo-heavy questions answered by one Bot."""
    if b.aliases <= 0:
        return
    label = f"{b.aliases:,} aliases"
    progress(f"{label}: load + validate, then {len(TYPO_QUESTIONS)} typo-heavy questions")
    directory = os.path.join(b.tmp, "many-aliases")
    make_many_aliases(directory, b.aliases)
    env = b.env("many-aliases")
    argv = [b.install.python, "-I", "-c", ALIASES_WORKER, directory, json.dumps(TYPO_QUESTIONS)]
    done = subprocess.run(argv, capture_output=True, text=True, env=env, check=False, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"the {label} worker failed ({done.returncode}):\n{done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    b.raw["many_aliases"] = result
    if result["aliases"] < b.aliases:
        raise RuntimeError(f"the {label} base has only {result['aliases']} aliases")
    b.table.add(f"{label} (built-in notes, first {ALIASED_SKILLS} skills): load + validate "
                f"(`check_knowledge`; {result['warnings']:,} warnings)",
                ms(result["check_s"]), "< 5 s", result["check_s"] < 5)
    b.table.add(f"{label}: {len(TYPO_QUESTIONS)} typo-heavy questions, one Bot "
                f"({result['understood']} understood; building it: {ms(result['build_s'])})",
                ms(result["answer_s"]), "< 1 s total", result["answer_s"] < 1)


# The table, in order. A new figure is a new function of a Bench, added here.
ROWS: list[Callable[[Bench], None]] = [startup_rows, repl_rows, stdin_rows, in_process_rows, scaling_rows,
                                       many_aliases_rows]


# --- where a warm `ask` spends its imports ------------------------------------------------

ImportRow = tuple[str, str, float, float]  # module, imported by, self µs, cumulative µs


def import_times(install: Install, env: dict[str, str], runs: int) -> list[ImportRow]:
    """Each module a warm `mlbot ask` imports under `-X importtime`, with the median over
    `runs` runs of its times, largest cumulative time first."""
    argv = [install.python, "-X", "importtime", install.mlbot, "ask", ASK_QUESTION]
    subprocess.run(argv, env=env, capture_output=True, check=False)  # fill the cache
    outputs = [subprocess.run(argv, env=env, capture_output=True, text=True, check=False).stderr
               for _ in range(runs)]
    return parse_importtime(outputs)


def parse_importtime(outputs: Sequence[str]) -> list[ImportRow]:
    """The `-X importtime` reports of several runs (stderr texts) as (module, imported by,
    median self µs, median cumulative µs), largest cumulative first. A module's line comes
    after those of the modules it imported, which are indented one level deeper; "-" is
    imported by no module (by the interpreter's start-up, the script, or a function)."""
    times: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for output in outputs:
        stack: list[tuple[int, str, int, int]] = []  # depth, name, self, cumulative
        finished: list[tuple[str, str, int, int]] = []
        for line in output.splitlines():
            if not line.startswith("import time:") or "self [us]" in line:
                continue
            own, cumulative, name = line[len("import time:"):].split("|", 2)
            name = name.rstrip().removeprefix(" ")  # the column's space; the rest is indent
            depth = (len(name) - len(name.lstrip())) // 2
            while stack and stack[-1][0] > depth:
                _, child, c_own, c_cum = stack.pop()
                finished.append((child, name.strip(), c_own, c_cum))
            stack.append((depth, name.strip(), int(own), int(cumulative)))
        finished += [(module, "-", us_self, us_cum) for _, module, us_self, us_cum in stack]
        for module, parent, us_self, us_cum in finished:
            times.setdefault((module, parent), []).append((us_self, us_cum))
    rows = [(name, parent, median([t[0] for t in ts]), median([t[1] for t in ts]))
            for (name, parent), ts in times.items()]
    return sorted(rows, key=lambda row: -row[3])


def importtime_markdown(rows: list[ImportRow], top: int) -> str:
    total = sum(cum for _, parent, _, cum in rows if parent == "-")
    lines = [f"All imports: {total / 1000:.1f} ms. Top {top} modules by cumulative time:", "",
             "| module | imported by | self | cumulative |", "|---|---|---:|---:|"]
    lines += [f"| `{name}` | {'-' if parent == '-' else f'`{parent}`'} | {own / 1000:.1f} ms | "
              f"{cumulative / 1000:.1f} ms |" for name, parent, own, cumulative in rows[:top]]
    return "\n".join(lines)


# --- main -------------------------------------------------------------------------------

def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="fewer pairs and runs, smaller bases (under a minute)")
    p.add_argument("--pairs", type=int, help="start-up pairs, each: `ask` and `python -c pass` (default 40, quick 15)")
    p.add_argument("--repl-runs", type=int, help="REPL starts (default 15, quick 5; 0 skips)")
    p.add_argument("--rounds", type=int, help="passes over the questions in-process (default 20, quick 5)")
    p.add_argument("--many", type=int, default=10_000,
                   help="questions piped to `ask -` and `chat --json` (default %(default)s)")
    p.add_argument("--sizes", help="roles of the synthetic knowledge bases "
                                   "(default 10,100,1000,10000; quick 10,100,1000; 0 for none)")
    p.add_argument("--aliases", type=int, default=MANY_ALIASES,
                   help="aliases of the many-aliases knowledge base (default %(default)s; 0 skips it)")
    p.add_argument("--load-budget", type=float, default=60.0,
                   help="seconds a synthetic base may take to load with the loader's warnings pass "
                        "before it is measured without it (default %(default)s)")
    p.add_argument("--questions", help="question file: canned-test YAML, or text (one a line)")
    p.add_argument("--prompt", default=r"mlbot> ", help="regular expression of the REPL prompt (default %(default)r)")
    p.add_argument("--venv", metavar="DIR", help="measure this environment's mlbot instead of building one")
    p.add_argument("--importtime", nargs="?", type=int, const=15, metavar="N",
                   help="only show the N (15) modules a warm `ask` spends most import time in")
    p.add_argument("--json", dest="json_out", metavar="PATH", help="also write the raw figures as JSON")
    p.add_argument("--seed", type=int, default=1)
    # internal: the in-process measurements run in a child, under the bench venv's python
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--no-lint", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--knowledge", help=argparse.SUPPRESS)
    p.add_argument("--cache-home", help=argparse.SUPPRESS)
    args = p.parse_args(argv)

    if args.worker:
        print(json.dumps(worker(args.knowledge, args.questions, args.rounds or 1, args.cache_home,
                                lint=not args.no_lint)))
        return 0

    quick = args.quick
    tmp = tempfile.mkdtemp(prefix="mlbot-bench-")
    try:
        started = time.perf_counter()
        if args.venv:
            install = existing_install(args.venv)
        else:
            progress("building a wheel and installing it into a fresh venv")
            install = build_install(tmp)
        if args.importtime:
            env = user_env(install, os.path.join(tmp, "home"), os.path.join(tmp, "cache", "warm"))
            rows = import_times(install, env, runs=3 if quick else 9)
            print(f"`python -X importtime` of a warm `mlbot ask`: {install.how}; median of the runs\n")
            print(importtime_markdown(rows, args.importtime))
            return 0

        convs, source = load_conversations(args.questions)
        questions_file = os.path.join(tmp, "questions.txt")
        write_question_file(questions_file, convs)
        sizes = args.sizes or ("10,100,1000" if quick else "10,100,1000,10000")
        bench = Bench(
            install=install, tmp=tmp, convs=convs, questions_file=questions_file,
            pairs=args.pairs or (15 if quick else 40),
            repl_runs=args.repl_runs if args.repl_runs is not None else (5 if quick else 15),
            rounds=args.rounds or (5 if quick else 20), many=args.many, repeats=1 if quick else 3,
            sizes=[int(s) for s in sizes.split(",") if int(s) > 0], aliases=args.aliases, prompt=args.prompt,
            load_budget=args.load_budget, seed=args.seed)
        load_start = os.getloadavg()[0]
        for row in ROWS:
            row(bench)
        raw = bench.raw
        raw.update(python=sys.version.split()[0], cpus=os.cpu_count(), install=install.how,
                   loadavg=(load_start, os.getloadavg()[0]), seconds=time.perf_counter() - started)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print(f"mlbot benchmark: {install.how}; Python {raw['python']}, {raw['cpus']} CPUs, load average "
          f"{load_start:.1f} → {raw['loadavg'][1]:.1f}; questions: {source}; {raw['seconds']:.0f} s\n")
    print(bench.table.markdown())
    if args.json_out:
        with open(args.json_out, "w", encoding="utf-8") as f:
            json.dump(raw, f, indent=1, default=str)
    return 0


def progress(message: str) -> None:
    print(f"... {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
