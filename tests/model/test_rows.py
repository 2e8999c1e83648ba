"""Reading rows from files (CSV, JSON Lines, plain text): line numbers, row errors, whole-file sentences."""
from __future__ import annotations

import pytest

from model.errors import InputError
from model.rows import MAX_TEXT_CHARS, read_rows


def test_csv_rows_with_line_numbers_and_row_errors(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text('\ufefftext,label\n"two\nlines",a\nonly one field\n\n  ,b\nplain,c,extra\nlast,d\n',
                    encoding="utf-8")
    rows = list(read_rows(path, label_column="label"))
    assert [(r.index, r.line) for r in rows] == [(0, 2), (1, 4), (2, 6), (3, 7), (4, 8)]
    assert rows[0].text == "two\nlines" and rows[0].label == "a"
    assert rows[1].error == "line 4: 1 field where the header has 2."  # (one field, not "1 fields")
    assert rows[2].error == "line 6: the text is empty."
    assert rows[3].error == "line 7: 3 fields where the header has 2."
    assert (rows[4].text, rows[4].label, rows[4].error) == ("last", "d", None)


def test_json_lines_and_text_rows(tmp_path):
    path = tmp_path / "data.jsonl"
    path.write_text('{"text": "hello", "label": 3}\n{broken\n[1]\n{"other": 1}\n\n{"text": "bye"}\n',
                    encoding="utf-8")
    rows = list(read_rows(path, label_column="label"))
    assert [(r.text, r.label) for r in rows if r.error is None] == [("hello", "3"), ("bye", None)]
    assert [r.error for r in rows if r.error] == [
        "line 2: not valid JSON (Expecting property name enclosed in double quotes).",
        "line 3: not a JSON object.", "line 4: no 'text' field."]
    text = tmp_path / "data.txt"
    text.write_text("first\n\nsecond\n", encoding="utf-8")
    assert [(r.index, r.line, r.text, r.error) for r in read_rows(text)] == [(0, 1, "first", None),
                                                                          (1, 3, "second", None)]


@pytest.mark.parametrize("suffix", [".csv", ".txt", ".jsonl"])
def test_a_file_not_in_utf8_is_refused_whole_in_every_format(tmp_path, suffix):
    """The same rule for every format: no garbage rows from lines that happen to decode (UTF-16 text
    decodes as UTF-8 with NUL bytes on most of its lines)."""
    path = tmp_path / f"data{suffix}"
    lines = ["text", "ok", "caf\xe9"] if suffix == ".csv" else (
        ['{"text": "ok"}', '{"text": "caf\xe9"}'] if suffix == ".jsonl" else ["ok", "caf\xe9"])
    path.write_bytes("\n".join(lines).encode("latin-1"))
    with pytest.raises(InputError, match=rf"'data{suffix}' is not UTF-8 text \(line {len(lines)} has a byte"):
        list(read_rows(path))
    utf16 = tmp_path / f"wide{suffix}"
    utf16.write_bytes("\n".join(lines).encode("utf-16"))
    with pytest.raises(InputError, match="is not UTF-8 text"):
        list(read_rows(utf16))


@pytest.mark.parametrize("content, kwargs, message", [
    ("text,label\nhi,a\n", {"text_column": "sentence"}, "'data.csv' has no text column 'sentence'; its columns are "
                                                        "'text', 'label'."),
    ("text,label\nhi,a\n", {"label_column": "gold"}, "'data.csv' has no label column 'gold'"),
    ("", {}, "'data.csv' is empty."),
])
def test_whole_file_problems_are_one_sentence_before_any_row(tmp_path, content, kwargs, message):
    path = tmp_path / "data.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_rows(path, **kwargs)
    assert str(caught.value).startswith(message) and "\n" not in str(caught.value)


def test_encoding_size_and_shape_problems(tmp_path):
    latin = tmp_path / "latin.csv"
    latin.write_bytes("text\nok\ncaf\xe9\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"'latin.csv' is not UTF-8 text \(line 3 has a byte"):
        read_rows(latin)
    big = tmp_path / "big.txt"
    big.write_text("x\n" * 600, encoding="utf-8")
    with pytest.raises(InputError, match=r"'big.txt' has 0.0 MB; the limit is 0 MB"):
        read_rows(big, max_bytes=1000)
    array = tmp_path / "rows.json"
    array.write_text('[{"text": "a"}]\n', encoding="utf-8")
    with pytest.raises(InputError, match="is a JSON array; give JSON Lines"):
        read_rows(array)
    with pytest.raises(InputError, match="A plain text file has one text per line and no label column"):
        read_rows(big, label_column="label")
    with pytest.raises(InputError, match="Cannot read 'missing.csv'"):
        read_rows(tmp_path / "missing.csv")


def test_an_over_long_text_is_clipped_and_flagged(tmp_path):
    rows = list(read_rows(["a" * (MAX_TEXT_CHARS + 10), "short"]))
    assert rows[0].clipped and len(rows[0].text) == MAX_TEXT_CHARS and not rows[1].clipped




def test_an_unclosed_quote_is_named_with_the_lines_it_took(tmp_path):
    """A quote left open swallowed the following lines into one error ("line 3: 4 fields where the header has
    3"; lines 3 to 9 vanished): the error now says a quote is open from line 3 and how many lines it took."""
    from model.rows import read_rows

    closed_late = tmp_path / "late.csv"
    closed_late.write_text('text,label,x\nhello,a,1\n"broken,b,2\nfine,c,3\nmore,d,4\n5,6\n7,8\n8,9\nend",e,5,6\n'
                           'last,f,6\n', encoding="utf-8")
    rows = list(read_rows(closed_late, text_column="text", label_column="label"))
    assert [r.line for r in rows] == [2, 3, 10] and rows[2].text == "last"
    assert rows[1].error == ('line 3: a quote opened here is closed only on line 9, so 7 lines were read as one '
                             'record (4 fields where the header has 3); close the quote on line 3, or write a quote '
                             'inside a field as two ("").')
    never = tmp_path / "never.csv"
    never.write_text('text,label\nhello,a\n"broken,b\nfine,c\n', encoding="utf-8")
    rows = list(read_rows(never, text_column="text", label_column="label"))
    assert rows[1].error.startswith("line 3: a quote opens here and is never closed, so the 2 lines from here to the "
                                    "end (lines 3–4) were read as one field")
    legit = tmp_path / "legit.csv"
    legit.write_text('text,label\n"two\nlines",a\nfine,b\n', encoding="utf-8")
    assert [r.text for r in read_rows(legit, text_column="text", label_column="label")] == ["two\nlines", "fine"]
