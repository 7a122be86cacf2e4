"""`mlbot test`: exit status, the report of a failing turn, the closing line, JUnit XML, JSON,
-k, directories and recording, from the command line (a real subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from bot.loader import builtin_dir
from bot.testing.check import Got, check_turn, run_conversation
from bot.testing.spec import Conversation, Turn

PASSING = """\
conversations:
  - name: greets back
    turns:
      - ask: hello
        intent: greeting
  - name: mlops basics
    turns:
      - ask: what does an MLOps engineer do
        intent: role_overview
        roles: [mlops_engineer]
        answer_has: [pipelines]
      - ask: and what skills do they need?
        roles: [mlops_engineer]
        answer_has: [Docker]
        answer_lacks: [OpenCV]
"""

# "hello" is a greeting, never a skills question, and no answer says "zebra"
FAILING = """\
conversations:
  - name: still fine
    turns:
      - ask: hello
        intent: greeting
  - name: wrong on purpose
    turns:
      - ask: hello
        intent: greeting
      - ask: what does an MLOps engineer do
        intent: role_skills
        roles: [nlp_engineer]
        answer_has: [zebra]
        answer_lacks: [pipelines]
"""

MALFORMED = """\
conversations:
  - name: broken
    turns:
      - ask: hello
        intnet: greeting
      - ask: hi
        roles: [data_wizard]
"""


def mlbot(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=60)


def last_line(text: str) -> str:
    return text.rstrip("\n").split("\n")[-1]


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "pass.yaml").write_text(PASSING)
    (tmp_path / "fail.yaml").write_text(FAILING)
    (tmp_path / "bad.yaml").write_text(MALFORMED)
    return tmp_path


# --- checking one turn (no engine involved) ---------------------------------------------

GOT = Got("role_overview", 0.8, ("mlops_engineer",), ("Docker",), None,
          "MLOps Engineer: Manage ML pipelines.", (("role_overview", 5.0), ("role_skills", 2.0)))


@pytest.mark.parametrize("expect, reason", [
    ({"intent": "role_skills"}, "intent: expected role_skills, got role_overview"),
    ({"roles": ("nlp_engineer",)}, "roles: expected [nlp_engineer], got [mlops_engineer]"),
    ({"skills": ("PyTorch",)}, "skills: expected [PyTorch] among the question's skills, got [Docker]"),
    ({"level": "senior", "checks_level": True}, "level: expected senior, got none"),
    ({"answer_has": ("pipelines", "kubernetes")}, "answer lacks: 'kubernetes'"),
    ({"answer_lacks": ("PIPELINES",)}, "answer has forbidden text: 'PIPELINES'"),
    ({"answer_matches": "^no"}, "answer does not match /^no/"),
    ({"min_confidence": 0.9}, "confidence 0.80 is below min_confidence 0.9"),
])
def test_each_unmet_expectation_says_why(expect, reason):
    assert check_turn(Turn("q", 1, **expect), GOT) == (reason,)


def test_expectations_that_hold_pass():
    turn = Turn("q", 1, intent="role_overview", roles=("mlops_engineer",), skills=("docker",),
                level=None, checks_level=True, answer_has=("ml PIPELINES",), answer_lacks=("OpenCV",),
                answer_matches="manage .* pipelines", min_confidence=0.8)
    assert check_turn(turn, GOT) == ()


def test_a_crashing_bot_fails_the_turn_and_the_run_goes_on():
    class Exploding:
        def answer(self, question, context=None):
            raise RuntimeError("boom")

    result = run_conversation(Exploding(), Conversation("f.yaml", "c", 1, (Turn("a", 2), Turn("b", 3))))  # type: ignore[arg-type]
    assert not result.passed
    assert [t.failures for t in result.turns] == [("the bot raised RuntimeError: boom",)] * 2


# --- the command line ----------------------------------------------------------------------


def test_passing_file_exits_0(files: Path):
    run = mlbot("test", "pass.yaml", cwd=files)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[:2] == ["PASS  greets back  (pass.yaml:2)", "PASS  mlops basics  (pass.yaml:6)"]
    assert last_line(run.stdout) == "2 passed, 0 failed"


def test_failing_file_exits_1_says_why_and_writes_junit_and_json(files: Path):
    run = mlbot("test", "fail.yaml", "--report", "--junit-xml", "out.xml", "--json-file", "out.json", cwd=files)
    assert run.returncode == 1, run.stderr
    out = run.stdout
    assert "PASS  still fine  (fail.yaml:2)" in out
    assert "FAIL  wrong on purpose  (fail.yaml:6)" in out
    # only the failing turn is reported, with its question, what was expected and what came
    assert "turn 1 (line 8)" not in out
    assert "turn 2 (line 10): what does an MLOps engineer do" in out
    assert "- intent: expected role_skills, got role_overview" in out
    assert "- roles: expected [nlp_engineer], got [mlops_engineer]" in out
    assert "- answer lacks: 'zebra'" in out
    assert "- answer has forbidden text: 'pipelines'" in out
    assert "top intents: role_overview " in out
    assert "| MLOps Engineer: Manage ML pipelines and production systems." in out
    # --report: a per-intent table and the confused pair
    assert "per intent (turns that expect it):" in out
    assert "most confused intents (expected -> got):" in out
    assert "1  role_skills -> role_overview" in out
    assert last_line(out) == "1 passed, 1 failed"

    root = ET.parse(files / "out.xml").getroot()
    cases = root.findall(".//testcase")
    assert [c.get("name") for c in cases] == ["still fine", "wrong on purpose"]
    assert len(root.findall(".//testcase/failure")) == 1
    assert root.get("tests") == "2" and root.get("failures") == "1" and root.get("errors") == "0"
    failure = cases[1].find("failure")
    assert failure is not None and "answer lacks: 'zebra'" in (failure.text or "")

    data = json.loads((files / "out.json").read_text())
    assert (data["passed"], data["failed"], data["invalid"]) == (1, 1, [])
    failed_turn = data["conversations"][1]["turns"][1]
    assert failed_turn["got"]["intent"] == "role_overview"
    assert "answer lacks: 'zebra'" in failed_turn["failures"]
    assert data["confusions"] == [{"expected": "role_skills", "got": "role_overview", "count": 1}]


def test_malformed_file_exits_2_naming_file_and_line_and_other_files_still_run(files: Path):
    run = mlbot("test", "bad.yaml", "pass.yaml", "--junit-xml", "out.xml", cwd=files)
    assert run.returncode == 2
    assert "bad.yaml:5: unknown key 'intnet' in turn 1 of conversation 'broken' (did you mean 'intent'?)" in run.stderr
    assert "bad.yaml:7: unknown role id 'data_wizard'" in run.stderr
    assert "Traceback" not in run.stderr
    assert "broken" not in run.stdout  # an invalid file is not run
    assert last_line(run.stdout) == "2 passed, 0 failed"
    root = ET.parse(files / "out.xml").getroot()
    assert root.get("errors") == "1" and len(root.findall(".//testcase/error")) == 1


def test_a_directory_runs_every_yaml_below_it_and_k_selects_by_name(files: Path):
    (files / "bad.yaml").unlink()
    (files / "sub").mkdir()
    (files / "fail.yaml").rename(files / "sub" / "fail.yaml")
    run = mlbot("test", ".", "-k", "MLOPS", "--json", cwd=files)
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)  # --json with no path: JSON alone on stdout
    assert [c["name"] for c in data["conversations"]] == ["mlops basics"]
    assert last_line(run.stderr) == "1 passed, 0 failed"
    everything = mlbot("test", ".", cwd=files)
    assert everything.returncode == 1 and last_line(everything.stdout) == "3 passed, 1 failed"


def test_nothing_to_run_is_never_a_pass(files: Path):
    assert mlbot("test", cwd=files).returncode == 2
    run = mlbot("test", "pass.yaml", "-k", "no such conversation", cwd=files)
    assert run.returncode == 2
    assert "no conversation name contains 'no such conversation'" in run.stderr
    assert mlbot("test", "missing.yaml", cwd=files).returncode == 2


def test_json_never_writes_over_a_test_file(files: Path):
    run = mlbot("test", "--json-file", "pass.yaml", "fail.yaml", cwd=files)
    assert run.returncode == 2 and "pass.yaml" in run.stderr and "YAML file" in run.stderr


def test_json_flag_takes_no_path(files: Path):
    run = mlbot("test", "--json", "pass.yaml", cwd=files)
    assert run.returncode == 0
    assert json.loads(run.stdout)["passed"] >= 1
    assert (files / "pass.yaml").read_text() == PASSING
    run = mlbot("test", "pass.yaml", "--junit-xml", "pass.yaml", cwd=files)
    assert run.returncode == 2 and (files / "pass.yaml").read_text() == PASSING


OTHER_ROLE = """
  - id: data_engineer
    name: Data Engineer
    aliases: [data eng]
    focus: Build data pipelines
    skills: [Python]
    skills_as_written: Python
    tasks: [Build ETL jobs]
"""

OTHER_TEST = """\
conversations:
  - name: other knowledge
    turns:
      - ask: what does a data engineer do
        roles: [data_engineer]
        answer_has: [Build data pipelines]
"""


def other_knowledge(tmp_path: Path) -> Path:
    """The built-in knowledge base plus one role, in a directory of its own."""
    import shutil

    target = tmp_path / "kb"
    shutil.copytree(builtin_dir(), target)
    roles = target / "facts" / "roles.yaml"
    roles.write_text(roles.read_text() + OTHER_ROLE)
    return target


def test_files_are_checked_against_the_knowledge_base_in_use(tmp_path: Path):
    kb = other_knowledge(tmp_path)
    (tmp_path / "other.yaml").write_text(OTHER_TEST)
    run = mlbot("test", "--knowledge", str(kb), "other.yaml", cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    builtin = mlbot("test", "other.yaml", cwd=tmp_path)
    assert builtin.returncode == 2 and "other.yaml:5: unknown role id 'data_engineer'" in builtin.stderr


def test_recording_writes_a_file_that_passes(tmp_path: Path):
    (tmp_path / "questions.txt").write_text(textwrap.dedent("""\
        # comments and blank lines are not questions
        what does an NLP engineer do?
        and what skills do they need?

        what tasks does an engineer do
        2

        hello
        """))
    record = mlbot("test", "--record", "questions.txt", "-o", "recorded.yaml", cwd=tmp_path)
    assert record.returncode == 0, record.stderr
    text = (tmp_path / "recorded.yaml").read_text()
    assert "# bot: " in text  # the answer is there for the reviewer
    assert "answer_has:" in text and "roles: [nlp_engineer]" in text
    run = mlbot("test", "recorded.yaml", cwd=tmp_path)
    assert run.returncode == 0, run.stdout
    assert last_line(run.stdout) == "3 passed, 0 failed"


def test_recording_without_questions_is_an_error(tmp_path: Path):
    (tmp_path / "empty.txt").write_text("# nothing\n\n")
    run = mlbot("test", "--record", "empty.txt", cwd=tmp_path)
    assert run.returncode == 2 and "no questions" in run.stderr
    assert mlbot("test", "--record", "missing.txt", cwd=tmp_path).returncode == 2
    (tmp_path / "q.txt").write_text("hello\n")
    assert mlbot("test", "--record", "q.txt", "-o", "q.txt", cwd=tmp_path).returncode == 2
    assert (tmp_path / "q.txt").read_text() == "hello\n"


def test_junit_xml_never_goes_to_a_yaml_path_inside_a_run_directory(files: Path):
    before = (files / "pass.yaml").read_text()
    run = mlbot("test", ".", "--junit-xml", "pass.yaml", cwd=files)
    assert run.returncode == 2 and (files / "pass.yaml").read_text() == before


def test_record_never_replaces_an_existing_file(files: Path):
    (files / "q.txt").write_text("what does an mlops engineer do\n")
    before = (files / "pass.yaml").read_text()
    run = mlbot("test", "--record", "q.txt", "-o", "pass.yaml", cwd=files)
    assert run.returncode == 2 and "already exists" in run.stderr
    assert (files / "pass.yaml").read_text() == before
