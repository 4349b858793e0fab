"""Question-set loading: every bad line reported in one pass (up to a cap), and the format as FORMAT.md states it."""

from __future__ import annotations

import json
from dataclasses import fields

import pytest

from core.errors import BadQuestionLinesError, QuestionSetError
from evaluation.questions import MAX_BAD_LINES, Question, format_guide, load_questions, question_fields

GOOD = json.dumps({"id": "g1", "question": "Fine?", "evidence": ["alpha"]})
THREE_BAD = "\n".join([
    GOOD,
    "{not json",                                         # line 2
    json.dumps({"id": "g2", "question": ""}),            # line 3
    json.dumps({"id": "g3", "question": "Fine too?"}),
    "",
    json.dumps({"id": "g1", "question": "Again?"}),      # line 6: the id is taken
]) + "\n"


def test_three_bad_lines_are_all_reported_with_their_line_numbers(tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text(THREE_BAD, encoding="utf-8")
    with pytest.raises(BadQuestionLinesError) as err:
        load_questions(path)
    exc = err.value
    assert isinstance(exc, QuestionSetError) and exc.exit_code == 2  # the hierarchy (and the CLI's exit code) kept
    assert exc.count == 3 and exc.unlisted == 0
    assert [line for line, _ in exc.problems] == [2, 3, 6]
    assert exc.lines[0].startswith(f"{path}:2: not valid JSON")
    assert exc.lines[1] == f"{path}:3: field 'question' must be a non-empty string"
    assert exc.lines[2] == f"{path}:6: field 'id' 'g1' is used twice"
    message = str(exc)  # the CLI prints this as its one line
    assert "\n" not in message
    assert message.startswith(f"{path}: 3 bad lines")
    assert "line 2: not valid JSON" in message and "line 3: field 'question'" in message and "line 6: field 'id'" in message


def test_one_bad_line_reads_as_it_always_has(tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text(GOOD + "\n" + json.dumps({"id": "x", "question": "Q?", "answerable": "yes"}) + "\n")
    with pytest.raises(BadQuestionLinesError, match=r"q.jsonl:2: field 'answerable' must be true or false$") as err:
        load_questions(path)
    assert err.value.count == 1


def test_bad_lines_beyond_the_cap_are_counted(tmp_path):
    path = tmp_path / "q.jsonl"
    bad = MAX_BAD_LINES + 7
    path.write_text("".join(json.dumps({"id": f"b{i}", "question": i}) + "\n" for i in range(bad)))
    with pytest.raises(BadQuestionLinesError) as err:
        load_questions(path)
    exc = err.value
    assert exc.count == bad and len(exc.problems) == MAX_BAD_LINES and exc.unlisted == 7
    assert [line for line, _ in exc.problems] == list(range(1, MAX_BAD_LINES + 1))
    message = str(exc)
    assert "\n" not in message and message.startswith(f"{path}: {bad} bad lines")
    named = BadQuestionLinesError.NAMED_IN_MESSAGE
    assert f"and {bad - named} more" in message  # the one line names the first few and counts the rest
    assert f"line {named + 1}:" not in message


def test_a_smaller_cap(tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text(THREE_BAD)
    with pytest.raises(BadQuestionLinesError) as err:
        load_questions(path, max_bad_lines=2)
    assert err.value.count == 3 and [line for line, _ in err.value.problems] == [2, 3] and err.value.unlisted == 1


def test_every_bad_row_of_a_csv_is_reported(tmp_path):
    path = tmp_path / "sheet.csv"
    path.write_text("id,question,evidence,answerable\n"
                    "c1,Fine?,alpha,true\n"
                    "c2,,alpha,true\n"          # line 3: no question
                    "c3,Q?,alpha,perhaps\n"     # line 4: answerable unreadable
                    "c4,Q?,,true\n"             # line 5: answerable without evidence
                    "c5,Q?,alpha,true,extra\n")  # line 6: a cell too many
    with pytest.raises(BadQuestionLinesError) as err:
        load_questions(path)
    assert [line for line, _ in err.value.problems] == [3, 4, 5, 6]
    whys = [why for _, why in err.value.problems]
    assert whys[0].startswith("field 'question'") and whys[1].startswith("field 'answerable'")
    assert whys[2].startswith("field 'evidence' is empty") and whys[3].startswith("more cells than header")


def test_messages_name_the_file_as_given(tmp_path):
    path = tmp_path / "questions.jsonl"
    path.write_text(THREE_BAD)
    with pytest.raises(BadQuestionLinesError) as err:
        load_questions(path, name="mine.jsonl")
    assert str(err.value).startswith("mine.jsonl: 3 bad lines") and str(tmp_path) not in str(err.value)
    assert err.value.lines[0].startswith("mine.jsonl:2: ")
    path.write_bytes(b"\xff\xfe")
    with pytest.raises(QuestionSetError, match=r"^mine.jsonl: not UTF-8 text"):
        load_questions(path, name="mine.jsonl")


def test_format_guide_reads_format_md_and_its_example():
    guide = format_guide()
    assert guide is not None and "## A question set" in guide.text
    named = [name for name, _, _ in guide.fields]
    assert sorted(named) == sorted(f.name for f in fields(Question))  # FORMAT.md documents the fields the loader reads
    assert all(kind and meaning for _, kind, meaning in guide.fields)
    assert guide.example_line == guide.example_text.splitlines()[0]
    assert isinstance(json.loads(guide.example_line), dict)


def test_format_guide_is_none_without_format_md(tmp_path):
    assert format_guide(tmp_path / "FORMAT.md", tmp_path / "none.jsonl") is None
    doc = tmp_path / "FORMAT.md"
    doc.write_text("# Other\n| a | b | c |\n\n## A question set\nprose\n| field | type | meaning |\n| --- | --- | --- |\n"
                   "| `id` | string | unique |\n\n| x | y | z |\n")
    guide = format_guide(doc, tmp_path / "none.jsonl")
    assert guide.fields == [("id", "string", "unique")] and guide.example_line == "" and guide.example_text == ""
    assert question_fields("no table here") == []
