"""One self-contained HTML file of an explanation (or of several methods compared): the text shaded by
attribution, the charts (Plotly, interactive, with plotly.js inlined so the file opens with no network), the
scorecard, the notes, the parameters and the explanation's JSON embedded. Everything from the user or the model
(text, labels, words, notes) is escaped: it is shown as text, never read as markup."""
from __future__ import annotations

import html
import json
import time
from collections.abc import Callable, Mapping

from ..explanation import Explanation

_STYLE = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans','Noto Sans CJK SC',sans-serif;margin:24px auto;
max-width:1100px;color:#1f2937;padding:0 16px}
h1{font-size:1.5em;margin-bottom:4px}h2{font-size:1.15em;margin-top:28px;border-bottom:1px solid #e5e7eb}
table{border-collapse:collapse;font-size:.9em;margin:8px 0}td,th{border:1px solid #e5e7eb;padding:4px 8px;text-align:left;
vertical-align:top}th{background:#f9fafb}.text{white-space:pre-wrap;background:#f9fafb;border:1px solid #e5e7eb;
padding:10px;border-radius:6px;unicode-bidi:plaintext}.muted{color:#6b7280;font-size:.85em}
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _table(rows: list[tuple[str, object]]) -> str:
    body = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows)
    return f"<table>{body}</table>"


def _grid(headers: list[str], rows: list[list]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{_e(_cell(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _cell(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return "0" if abs(value) < 1e-12 else f"{value:.4g}"  # (float noise around 0 shown as 0)
    return str(value)


def _figure(fig, div_id: str) -> str:
    # (plotly's own HTML writer: the figure's JSON inside a script, with "</" escaped by plotly.io)
    return fig.to_html(full_html=False, include_plotlyjs=False, div_id=div_id, config={"displaylogo": False})


def _json_script(data: object, element_id: str) -> str:
    """JSON inside a script element that cannot end it early ("</script>" in the text stays text)."""
    text = json.dumps(data, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f'<script type="application/json" id="{element_id}">{text}</script>'


def _same(value):
    return value


def _parameters(e: Explanation) -> list[tuple[str, object]]:
    meta = e.meta
    rows = [("model", e.model), ("task", e.task), ("method", e.method), ("explained", ", ".join(e.targets) or "—"),
            ("explained output", meta.get("output") or "—"),
            ("model output", ", ".join(f"{t} {o:.4g}" for t, o in zip(e.targets, e.outputs)) or "—"),
            ("parameters", json.dumps(dict(meta.get("params", {})), ensure_ascii=False, default=str)),
            ("options", json.dumps(dict(meta.get("options", {})), ensure_ascii=False, default=str)),
            ("seed", meta.get("seed", "—")), ("model evaluations", meta.get("model_evaluations", "—")),
            ("seconds", meta.get("seconds", "—")), ("device", meta.get("device", "—"))]
    if e.pair is not None:
        rows.insert(3, ("second text", e.pair))
    if meta.get("contrast") is not None:
        rows.insert(4, ("rather than", meta["contrast"]))
    versions = meta.get("versions") or {}
    if versions:
        rows.append(("versions", ", ".join(f"{k} {v}" for k, v in versions.items())))
    return rows


def _scores(e: Explanation, say: Callable[[str], str] = _same) -> str:
    scores = e.meta.get("scores")
    if not scores:
        return ""
    ours, random = scores.get("scores", {}), (scores.get("random") or {})
    rows = [[say(name), float(value) if isinstance(value, (int, float)) else value,
             float(random[name]) if isinstance(random.get(name), (int, float)) else "—"]
            for name, value in ours.items()]
    return (f"<h3>{_e(say('Scorecard (ERASER faithfulness and more)'))}</h3>"
            + _grid([say("metric"), say("this explanation"), say("random ranking")], rows))


def html_report(explanations: Explanation | Mapping[str, Explanation], *, scorecard=None, title: str | None = None,
                target: int | str = 0, say: Callable[[str], str] = _same, figure: Callable = _same,
                lang: str = "en") -> str:
    """The report as one HTML document. ``explanations``: one, or several by method (Compare); ``scorecard``:
    the Compare tab's table, (headers, rows), or scorecards (``explain.evaluate`` results) to tabulate. In another
    language (``lang``), ``say`` gives each of its texts (headings, notes, table headers) and ``figure`` each chart
    in it; the data (text, labels, JSON) stays as it is."""
    from ..charts.explanation import attribution_bars, notes, text_heatmap
    from ..charts.style import method_label

    many = dict(explanations) if isinstance(explanations, Mapping) else {"": explanations}
    if not many:
        raise ValueError("There is no explanation to put in a report.")
    first = next(iter(many.values()))
    heading = title or say(f"Why {', '.join(first.targets[:1]) or first.task}? · {first.model}")
    written = say(f"Transformer explainability studio · written {time.strftime('%Y-%m-%d %H:%M:%S')} · every chart is "
                  "interactive (hover for exact values) and works offline")
    parts = [f"<h1>{_e(heading)}</h1>", f"<p class='muted'>{_e(written)}</p>",
             f"<h2>{_e(say('The text'))}</h2>", f"<div class='text' dir='auto'>{_e(first.text)}</div>"]
    if first.pair is not None:
        parts.append(f"<div class='text' dir='auto'>{_e(first.pair)}</div>")
    for index, (name, e) in enumerate(many.items()):
        parts.append(f"<h2>{_e(say(name or method_label(e.method)))}</h2>")
        said = notes(e, target)
        if said:
            parts.append("<ul>" + "".join(f"<li>{_e(say(n))}</li>" for n in said) + "</ul>")
        if e.targets or e.kind == "attention":
            parts.append(_figure(figure(text_heatmap(e, target if e.targets else 0)), f"heatmap-{index}"))
            parts.append(_figure(figure(attribution_bars(e, target, sort=True, top=40)), f"bars-{index}"))
        parts.append(_scores(e, say))
        parts.append(f"<h3>{_e(say('Parameters'))}</h3>" + _table([(say(k), say(v) if k == "explained output" else v)
                                                                   for k, v in _parameters(e)]))
    if scorecard:
        if isinstance(scorecard, tuple) and len(scorecard) == 2 and isinstance(scorecard[0], list):
            headers, rows = scorecard
        else:
            from ..charts.scorecard import scorecard_table

            headers, rows = scorecard_table(scorecard)
        parts.append(f"<h2>{_e(say('Scorecard: the methods compared'))}</h2>"
                     + _grid([say(h) for h in headers], [[say(r[0]), *r[1:]] if r else r for r in rows]))
    data = {name or e.method: e.to_dict() for name, e in many.items()}
    return _document(heading, parts, data, say, lang)


def _document(heading: str, parts: list[str], data: object, say: Callable[[str], str], lang: str) -> str:
    """The report's page: its parts, then the JSON embedded, with plotly.js inlined (opens offline)."""
    from plotly.offline import get_plotlyjs

    json_heading, embedded = say("The explanation's JSON"), say("embedded in this file as")
    parts = [*parts, f"<h2>{_e(json_heading)}</h2><p class='muted'>{_e(embedded)} "
             "<code>&lt;script id=\"explanation-json\"&gt;</code>: "
             "<code>JSON.parse(document.getElementById('explanation-json').textContent)</code></p>",
             _json_script(data, "explanation-json")]
    return (f"<!DOCTYPE html><html lang='{_e(lang)}'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width'>"
            f"<title>{_e(heading)}</title><style>{_STYLE}</style>"
            f"<script type='text/javascript'>{get_plotlyjs()}</script></head><body>"
            + "\n".join(p for p in parts if p) + "</body></html>")


def pair_report(e, *, say: Callable[[str], str] = _same, figure: Callable = _same, lang: str = "en") -> str:
    """A word-pair explanation (``explain.pairs.PairExplanation``) as one HTML document: both texts, the heatmap,
    the strongest matches and totals, the parameters and the JSON."""
    from ..charts.pairs import method_label, pair_heatmap, strongest_lines

    heading = say(f"Why are they similar? · {e.model}")
    written = say(f"Transformer explainability studio · written {time.strftime('%Y-%m-%d %H:%M:%S')} · every chart is "
                  "interactive (hover for exact values) and works offline")
    rows = [("model", e.model), ("method", method_label(e.method)), ("granularity", e.granularity),
            ("cosine similarity", f"{e.similarity:.6g}"), ("the pairs add up to", f"{e.total:.6g}"),
            ("expected sum", f"{e.expected_sum:.6g}"), *((k, f"{v:.6g}") for k, v in e.terms.items()),
            ("parameters", json.dumps(dict(e.meta.get("params", {})), ensure_ascii=False, default=str)),
            ("seconds", e.seconds)]
    parts = [f"<h1>{_e(heading)}</h1>", f"<p class='muted'>{_e(written)}</p>",
             f"<h2>{_e(say('The texts'))}</h2>", f"<div class='text' dir='auto'>{_e(e.text_a)}</div>",
             f"<div class='text' dir='auto'>{_e(e.text_b)}</div>",
             f"<h2>{_e(say(method_label(e.method)))}</h2>",
             "<ul>" + "".join(f"<li>{_e(say(line))}</li>" for line in strongest_lines(e)) + "</ul>",
             _figure(figure(pair_heatmap(e)), "pairs-0"),
             f"<h3>{_e(say('Parameters'))}</h3>" + _table([(say(k), v) for k, v in rows])]
    return _document(heading, parts, e.to_dict(), say, lang)


def write_report(explanations, path: str, **kwargs) -> str:
    """``html_report`` (``pair_report`` for a word-pair explanation) written to ``path`` (UTF-8); returns the path."""
    from ..pairs import PairExplanation

    document = pair_report(explanations, **kwargs) if isinstance(explanations, PairExplanation) \
        else html_report(explanations, **kwargs)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(document)
    return path
