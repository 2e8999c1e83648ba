"""Rows from a file (CSV, JSON Lines or plain text, UTF-8) or from Python objects, streamed.

A row that cannot be read (a malformed JSON line, a CSV line with the wrong number of fields, an
empty text) becomes a ``Row`` with an ``error`` sentence naming its line, and reading goes on; a
problem with the whole file (missing, too big, not UTF-8 in any format, no such column) is one
``InputError`` before anything runs: a file in another encoding is refused whole, with the first
line that is not UTF-8, rather than read as garbage rows that some lines happen to decode to.
Rows are numbered from 0 in file order (``index``, the key of resuming) and carry the line they
start on. A text over ``MAX_TEXT_CHARS`` is cut there and flagged ``clipped``
(the model then truncates its tokens and flags that, as for single texts).
"""
from __future__ import annotations

import codecs
import csv
import io
import json
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError
from .validation import MAX_TEXT_CHARS, counted

MAX_FILE_BYTES = 512 * 2**20
FORMATS = ("csv", "jsonl", "text")
_SUFFIXES = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".txt": "text"}
CSV_FIELD_LIMIT = 16 * MAX_TEXT_CHARS  # longer fields are clipped below, not refused by csv


@dataclass(frozen=True)
class Row:
    """One input row: its text and gold label (if any), or the reason it could not be read."""

    index: int
    line: int
    text: str | None = None
    label: str | None = None
    clipped: bool = False
    error: str | None = None
    rationale: object = None  # the rationale column's value as read (spans or phrases; explain reads it)


def detect_format(path: str | os.PathLike, given: str | None = None) -> str:
    if given is not None:
        if given not in FORMATS:
            raise InputError(f"The format must be one of {', '.join(FORMATS)}; got {given!r}.")
        return given
    return _SUFFIXES.get(Path(path).suffix.lower(), "text")


def _open_checked(path: str | os.PathLike, max_bytes: int) -> Path:
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as err:
        raise InputError(f"Cannot read {path.name!r}: {err.strerror or err}.") from None
    if not path.is_file():
        raise InputError(f"{path.name!r} is not a file.")
    if size > max_bytes:
        raise InputError(f"{path.name!r} has {size / 2**20:,.1f} MB; the limit is {max_bytes / 2**20:,.0f} MB.")
    return path


def _check_utf8(path: Path) -> None:
    """One streaming pass; the CSV reader needs a text stream, so a bad byte is found first."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 1
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as err:
                line += chunk[:err.start].count(b"\n")
                raise InputError(f"{path.name!r} is not UTF-8 text (line {line} has a byte that is not); "
                                 "save it as UTF-8.") from None
            line += chunk.count(b"\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:  # the last bytes start a character that never ends
            raise InputError(f"{path.name!r} is not UTF-8 text (line {line} has a byte that is not); "
                             "save it as UTF-8.") from None


def _text(value, index: int, line: int, label, where: str, rationale=None) -> Row:
    if value is None:
        return Row(index, line, error=f"{where}: no text.")
    if not isinstance(value, str):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        else:
            return Row(index, line, error=f"{where}: the text is not a string.")
    if not value.strip():
        return Row(index, line, error=f"{where}: the text is empty.")
    clipped = len(value) > MAX_TEXT_CHARS
    if label is not None and not isinstance(label, str):
        label = json.dumps(label) if isinstance(label, (dict, list)) else str(label)
    label = label.strip() if isinstance(label, str) else None
    if isinstance(rationale, str) and not rationale.strip():
        rationale = None
    return Row(index, line, value[:MAX_TEXT_CHARS] if clipped else value, label or None, clipped,
               rationale=rationale)


def _json_row(raw: str, index: int, line: int, text_column: str, label_column: str | None,
              rationale_column: str | None = None) -> Row:
    """One JSON Lines record: its text and label, or why it cannot be read."""
    where = f"line {line}"
    try:
        record = json.loads(raw)
    except json.JSONDecodeError as err:
        return Row(index, line, error=f"{where}: not valid JSON ({err.msg}).")
    if not isinstance(record, dict):
        return Row(index, line, error=f"{where}: not a JSON object.")
    if text_column not in record:
        return Row(index, line, error=f"{where}: no {text_column!r} field.")
    return _text(record[text_column], index, line, record.get(label_column) if label_column else None, where,
                 record.get(rationale_column) if rationale_column else None)


def _text_row(raw: str, index: int, line: int) -> Row:
    return _text(raw.strip(), index, line, None, f"line {line}")


def _csv_rows(path: Path, text_column: str, label_column: str | None,
              rationale_column: str | None = None) -> Iterator[Row]:
    _check_utf8(path)
    if csv.field_size_limit() < CSV_FIELD_LIMIT:
        csv.field_size_limit(CSV_FIELD_LIMIT)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, strict=True)  # (strict: a quote left open to the end is an error, said below)
        try:
            header = next(reader)
        except StopIteration:
            raise InputError(f"{path.name!r} is empty.") from None
        except csv.Error as err:
            raise InputError(f"{path.name!r} is not a readable CSV file ({err}).") from None
        columns = [c.strip() for c in header]
        _check_columns(path.name, columns, text_column, label_column, rationale_column)
        text_at = columns.index(text_column)
        label_at = columns.index(label_column) if label_column else None
        rationale_at = columns.index(rationale_column) if rationale_column else None
        index, line = 0, reader.line_num + 1
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as err:  # e.g. a NUL byte, or a quote never closed: the reader cannot go on past it
                yield Row(index, line, error=_unreadable(line, reader.line_num, err))
                return
            if not any(f.strip() for f in fields):  # blank line
                line = reader.line_num + 1
                continue
            if len(fields) != len(columns):
                yield Row(index, line, error=_miscounted(line, reader.line_num, len(fields), len(columns)))
            else:
                yield _text(fields[text_at], index, line, fields[label_at] if label_at is not None else None,
                            f"line {line}", fields[rationale_at] if rationale_at is not None else None)
            index += 1
            line = reader.line_num + 1


def _unreadable(line: int, last: int, err: csv.Error) -> str:
    """Why the reader stopped at ``line``: a quote opened there and never closed (it read every line to the end
    into one field), or another CSV error."""
    if "unexpected end of data" in str(err):
        return (f"line {line}: a quote opens here and is never closed, so the {counted(last - line + 1, 'line')} "
                f"from here to the end (lines {line}–{last}) were read as one field; close the quote, or write a quote "
                "inside a field as two (\"\").")
    return f"line {line}: not readable as CSV ({err}); the rest of the file was not read."


def _miscounted(line: int, last: int, fields: int, columns: int) -> str:
    """A record with the wrong number of fields; when it ran over several lines, the open quote that made it."""
    said = f"{counted(fields, 'field')} where the header has {columns}"
    if last > line:
        return (f"line {line}: a quote opened here is closed only on line {last}, so {counted(last - line + 1, 'line')} "
                f"were read as one record ({said}); close the quote on line {line}, or write a quote inside a field as "
                "two (\"\").")
    return f"line {line}: {said}."


def _check_columns(name: str, columns: list[str], text_column: str, label_column: str | None,
                   rationale_column: str | None = None) -> None:
    for what, column in (("text", text_column), ("label", label_column), ("rationale", rationale_column)):
        if column is not None and column not in columns:
            shown = ", ".join(repr(c) for c in columns[:20])
            raise InputError(f"{name!r} has no {what} column {column!r}; its columns are {shown}.")


def _line_rows(path: Path, kind: str, text_column: str, label_column: str | None,
               rationale_column: str | None = None) -> Iterator[Row]:
    if kind == "text" and (label_column or rationale_column):
        raise InputError(f"A plain text file has one text per line and no {'label' if label_column else 'rationale'} "
                         "column: give a CSV or JSON Lines file for gold labels and rationales.")
    _check_utf8(path)  # as for CSV: a file in another encoding is refused whole, never read as garbage
    index = 0
    checked = False
    with path.open("rb") as handle:
        for line, raw in enumerate(handle, start=1):
            decoded = raw.decode("utf-8-sig" if line == 1 else "utf-8")
            if not decoded.strip():
                continue
            if kind == "text":
                yield _text_row(decoded, index, line)
            else:
                if not checked:
                    _check_first_object(path.name, decoded, text_column, label_column, rationale_column)
                    checked = True
                yield _json_row(decoded, index, line, text_column, label_column, rationale_column)
            index += 1


def _check_first_object(name: str, raw: str, text_column: str, label_column: str | None,
                        rationale_column: str | None = None) -> None:
    """A missing column is one sentence for the file, judged on its first line."""
    if raw.lstrip().startswith("["):
        raise InputError(f"{name!r} is a JSON array; give JSON Lines (one object per line).")
    try:
        first = json.loads(raw)
    except json.JSONDecodeError:
        return  # that line's own error says so
    if isinstance(first, dict):
        _check_columns(name, list(first), text_column, label_column, rationale_column)


def _object_rows(rows: Iterable, text_column: str, label_column: str | None,
                 rationale_column: str | None = None) -> Iterator[Row]:
    for index, item in enumerate(rows):
        where = f"row {index}"
        if isinstance(item, str):
            yield _text(item, index, index + 1, None, where)
        elif isinstance(item, Mapping):
            if text_column not in item:
                yield Row(index, index + 1, error=f"{where}: no {text_column!r} field.")
            else:
                yield _text(item[text_column], index, index + 1,
                            item.get(label_column) if label_column else None, where,
                            item.get(rationale_column) if rationale_column else None)
        else:
            yield Row(index, index + 1, error=f"{where}: a {type(item).__name__}, not a text or a mapping.")


def read_rows(source, *, text_column: str = "text", label_column: str | None = None, format: str | None = None,
              max_bytes: int = MAX_FILE_BYTES, rationale_column: str | None = None) -> Iterator[Row]:
    """Stream the rows of ``source``: a file path (format from its suffix: .csv, .jsonl/.json, else
    one text per line) or an iterable of texts or mappings. Whole-file problems raise before the
    first row is yielded. ``rationale_column``: a column read as it is into ``Row.rationale``."""
    if not isinstance(text_column, str) or not text_column:
        raise InputError("The text column must be a non-empty name.")
    for what, column in (("label", label_column), ("rationale", rationale_column)):
        if column is not None and (not isinstance(column, str) or not column):
            raise InputError(f"The {what} column must be a non-empty name or None.")
    if isinstance(source, (str, os.PathLike)):
        path = _open_checked(source, max_bytes)
        kind = detect_format(path, format)
        rows = _csv_rows(path, text_column, label_column, rationale_column) if kind == "csv" else \
            _line_rows(path, kind, text_column, label_column, rationale_column)
        first = next(rows, None)  # runs the file checks now, not at the first row consumed
        return _chain(first, rows)
    if isinstance(source, (bytes, bytearray, io.IOBase)) or not isinstance(source, Iterable):
        raise InputError("The rows must be a file path or a list of texts or of mappings (dicts).")
    return _object_rows(source, text_column, label_column, rationale_column)


def _chain(first: Row | None, rest: Iterator[Row]) -> Iterator[Row]:
    if first is not None:
        yield first
        yield from rest


def columns_of(path: str | os.PathLike, format: str | None = None, max_bytes: int = MAX_FILE_BYTES) -> list[str]:
    """The column names a file offers (CSV header, first JSON object's keys; [] for plain text)."""
    path = _open_checked(path, max_bytes)
    kind = detect_format(path, format)
    if kind == "text":
        return []
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
        if kind == "csv":
            try:
                return [c.strip() for c in next(csv.reader(handle), [])]
            except csv.Error as err:
                raise InputError(f"{path.name!r} is not a readable CSV file ({err}).") from None
        for raw in handle:
            if raw.strip():
                try:
                    first = json.loads(raw)
                except json.JSONDecodeError:
                    raise InputError(f"The first line of {path.name!r} is not valid JSON.") from None
                return [str(k) for k in first] if isinstance(first, dict) else []
    return []


def count_rows(source, **kwargs) -> int:
    """How many rows ``read_rows`` will yield (one quick pass; for progress bars)."""
    if isinstance(source, (list, tuple)):
        return len(source)
    return sum(1 for _ in read_rows(source, **kwargs))
