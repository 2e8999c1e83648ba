"""The studio's tools for AI agents (Model Context Protocol): a small, typed, stateless set, served by Gradio's
MCP server when the app runs with ``GRADIO_MCP_SERVER=True`` (or ``python app.py --mcp``). Each takes plain
strings and numbers, returns JSON (words, attributions, outputs, notes), and refuses bad input in one sentence;
the page's own events are then left out of the tool list (``api_visibility="undocumented"``: still callable by
the page, not offered to agents). Models are only the listed ones: an agent never names a path."""
from __future__ import annotations

import functools
import inspect
import json

import gradio as gr

from explain import METHODS, evaluate, explain, explain_pair, get_method
from explain.charts.explanation import notes
from explain.counterfactuals import GENERATORS, counterfactuals
from explain.metrics.agreement import compare
from model import TASKS, list_models
from model.errors import InputError
from model.kinds.token_classification import entity_label
from model.validation import split_labels

from .handlers import handler
from .models import resolve

MAX_WORDS = 200  # words returned per explanation (the strongest first when a text has more)
TOP = 5  # labels returned with their scores unless ``top`` asks for more (a classifier may have 157)
MAX_TOP = 1_000
TOOLS = ("list_models", "list_methods", "explain_text", "scorecard", "counterfactual_texts", "compare_methods",
         "similarity", "entities")


def _model(name: str, task: str | None = None):
    model = resolve((name or "").strip() or _default(task), task)
    return model


def _default(task: str | None) -> str:
    for spec in list_models(task):
        return spec.name
    raise InputError(f"No model is listed for the task {task!r}.")


def _options(model, labels: str, pair: str) -> dict:
    task = TASKS[model.task]
    given = {"labels": split_labels(labels) if labels.strip() else None, "pair": pair or None}
    for name in task.REQUIRES:
        if given.get(name) is None:
            what = {"labels": "candidate labels (labels='sports, politics')", "pair": "a second text (pair='...')"}
            raise InputError(f"The model {model.info.name} ({model.task}) needs {what.get(name, name)}.")
    return {k: v for k, v in given.items() if k in task.TAKES and v is not None}


def _budget(method: str, budget: int) -> dict:
    if not budget:
        return {}
    params = [p for p in get_method(method).PARAMS if p.budget]
    if not params:
        raise InputError(f"The method {method} has no budget to set; leave budget at 0.")
    return {params[0].name: int(budget)}


def _top(top) -> int:
    try:
        top = int(top)
    except (TypeError, ValueError):
        raise InputError(f"top must be a whole number from 1 to {MAX_TOP:,}, not {str(top)[:40]!r}.") from None
    if not 1 <= top <= MAX_TOP:
        raise InputError(f"top must be a whole number from 1 to {MAX_TOP:,}, not {top}.")
    return top


def _summary(e, target: int = 0, top: int = TOP) -> dict:
    """What an agent needs of an explanation: the explained output, the words with their values (strongest
    first, at most ``MAX_WORDS``), the ``top`` labels by score (of ``labels_total``) and the notes."""
    j = e.target_index(target) if e.targets else None
    words = [{"word": w.text, "start": w.start, "end": w.end,
              "attribution": float(e.word_attributions[i, j]) if j is not None else None}
             for i, w in enumerate(e.words)]
    if j is not None:
        words.sort(key=lambda w: -abs(w["attribution"]))
    out = {"model": e.model, "task": e.task, "method": e.method, "text": e.text,
           "explained": e.targets[j] if j is not None else None,
           "output": float(e.outputs[j]) if j is not None else None,
           "base_value": float(e.base_values[j]) if j is not None and len(e.base_values) else None,
           **_top_labels(e.labels, e.probabilities, top),
           "words": words[:MAX_WORDS], "words_total": len(words), "notes": notes(e, j or 0)}
    if e.meta.get("contrast") is not None:
        out["rather_than"] = e.meta["contrast"]
    return out


def _top_labels(labels, scores, top: int) -> dict:
    order = sorted(range(len(labels)), key=lambda i: -float(scores[i]))[:top]
    return {"labels": [labels[i] for i in order], "scores": [float(scores[i]) for i in order],
            "labels_total": len(labels)}


def _counterfactuals(found, top: int) -> dict:
    """The search's answer, compact: each text with its edits in words, its answer and the target's change."""
    original = dict(found.original)
    if "labels" in original and "scores" in original:
        original.update(_top_labels(original.pop("labels"), original.pop("scores"), top))
    return {"original": original, "counterfactuals": [
        {"text": c.text, "edits": c.describe(), "prediction": c.prediction, "target_change": c.target_change}
        for c in found], "tried": found.tried, "model_calls": found.model_calls, "seconds": found.seconds,
        "note": found.note}


@handler
def list_models_tool(task: str = "") -> dict:
    """List the models this studio can explain, with their task.

    Args:
        task: only the models of this task ("classification", "zero-shot", "embedding", "generation",
            "token-classification"); empty for all.
    """
    chosen = task.strip() or None
    if chosen is not None and chosen not in TASKS:
        raise InputError(f"{chosen!r} is not a task; choose one of: {', '.join(TASKS)}.")
    return {"models": [{"name": s.name, "task": s.task, "description": s.description, "offline": s.offline}
                       for s in list_models(chosen)]}


@handler
def list_methods_tool() -> dict:
    """List the explanation methods, what each does, and its budget parameter (the `budget` of explain_text)."""
    return {"methods": [{"name": name, "label": cls.LABEL or name, "description": cls.DESCRIPTION,
                         "budget": next(({"name": p.name, "default": p.default, "low": p.low, "high": p.high}
                                         for p in cls.PARAMS if p.budget), None)}
                        for name, cls in METHODS.items()]}


@handler
def explain_text(text: str, model: str = "", method: str = "shap", target: str = "", contrast: str = "",
                 labels: str = "", pair: str = "", budget: int = 0, seed: int = 0, top: int = TOP,
                 entity: str = "") -> dict:
    """Explain why a Transformer model gave its answer for a text: each word's contribution to the output.

    Args:
        text: the text to explain.
        model: a listed model name (see list_models); empty for the first model listed.
        method: shap, lime, ig, grad_input, occlusion, attention, rollout or hierarchical (see list_methods).
        target: the label (or zero-shot candidate) to explain; empty for the predicted one.
        contrast: explain the target rather than this label (log p(target) - log p(contrast)); empty for none.
        labels: zero-shot only: the candidate labels, comma-separated.
        pair: embedding models only: the second text (the explained output is the cosine similarity).
        budget: the method's budget (SHAP evaluations, LIME samples, IG steps); 0 for the method's default.
        seed: the random seed of sampling methods.
        top: how many labels to return with their scores, highest first (5 unless raised).
        entity: token-classification models only: the entity to explain, by its index among the text's entities
            (see the entities tool), its text or a character span "start:end"; empty for the first one (contrast: an
            entity type, e.g. "ORG").
    """
    top = _top(top)
    chosen = _model(model)
    options = _options(chosen, labels, pair)
    if entity.strip():
        if chosen.task != "token-classification":
            raise InputError(f"entity is for token-classification models; {chosen.info.name} is {chosen.task}.")
        options["entity"] = entity.strip()
    elif chosen.task == "token-classification":
        options["entity"] = 0
    e = explain(chosen, text, method, target=target.strip() or None, contrast=contrast.strip() or None, seed=int(seed),
                **options, **_budget(method, budget))
    return _summary(e, top=top)


@handler
def entities(text: str, model: str = "", aggregation: str = "simple") -> dict:
    """Find the named entities (or any token labels) of a text with a token-classification model, as transformers'
    token-classification pipeline groups them; each can then be explained with explain_text(entity=index).

    Args:
        text: the text.
        model: a listed token-classification model (see list_models(task="token-classification")); empty for the
            first one listed.
        aggregation: how token labels become entities: none, simple (the default), first, average or max.
    """
    chosen = _model(model, "token-classification")
    found = chosen.entity_rules(text, aggregation)
    return {"model": chosen.info.name, "aggregation": aggregation, "entities": [
        {"index": k, "entity": entity_label(e), "word": e["word"], "score": float(e["score"]),
         "start": int(e["start"]), "end": int(e["end"])} for k, (e, _) in enumerate(found)]}


@handler
def scorecard(text: str, model: str = "", method: str = "shap", target: str = "", labels: str = "",
              pair: str = "") -> dict:
    """How faithful an explanation is: ERASER comprehensiveness and sufficiency and the other metrics, each beside the
    same score for a random ranking of the words.

    Args:
        text: the text to explain.
        model: a listed model name (see list_models); empty for the first model listed.
        method: the explanation method to score (see list_methods).
        target: the label to explain; empty for the predicted one.
        labels: zero-shot only: the candidate labels, comma-separated.
        pair: embedding models only: the second text.
    """
    chosen = _model(model)
    e = explain(chosen, text, method, target=target.strip() or None, evaluate=True, **_options(chosen, labels, pair))
    return {"explanation": _summary(e), "scorecard": dict(e.to_dict()["meta"]["scores"])}


@handler
def counterfactual_texts(text: str, model: str = "", generator: str = "ablation_flip", target: str = "",
                         labels: str = "", pair: str = "", max_edits: int = 3, limit: int = 5, top: int = TOP) -> dict:
    """Find texts with as few edits as possible that change the model's answer (each verified by the model).

    Args:
        text: the original text.
        model: a listed model name (see list_models); empty for the first model listed.
        generator: ablation_flip (delete words), hotflip (swap words by gradient) or word_replace (rules).
        target: the output whose score the search moves; empty for the predicted label.
        labels: zero-shot only: the candidate labels, comma-separated.
        pair: embedding models only: the second text.
        max_edits: edits at most per text (1 to 5).
        limit: counterfactuals at most (1 to 50).
        top: how many of the original's labels to return with their scores, highest first (5 unless raised).
    """
    top = _top(top)
    if generator not in GENERATORS:
        raise InputError(f"{generator!r} is not a generator; choose one of: {', '.join(GENERATORS)}.")
    chosen = _model(model)
    options = _options(chosen, labels, pair)
    found = counterfactuals(chosen, text, target=target.strip() or None, generator=generator, max_edits=int(max_edits),
                            limit=int(limit), labels=options.get("labels"), pair=options.get("pair"))
    return _counterfactuals(found, top)


@handler
def compare_methods(text: str, model: str = "", methods: str = "shap, lime, occlusion", target: str = "",
                    labels: str = "", pair: str = "") -> dict:
    """Explain one text with several methods and say how far they agree (Kendall's tau between their word
    rankings) and how faithful each is (comprehensiveness, sufficiency, beside a random ranking).

    Args:
        text: the text to explain.
        model: a listed model name (see list_models); empty for the first model listed.
        methods: the methods to compare, comma-separated (see list_methods).
        target: the label to explain; empty for the predicted one.
        labels: zero-shot only: the candidate labels, comma-separated.
        pair: embedding models only: the second text.
    """
    names = [m.strip() for m in methods.split(",") if m.strip()]
    if not names:
        raise InputError("Name at least one method to compare (methods='shap, lime').")
    chosen = _model(model)
    options = _options(chosen, labels, pair)
    results = [explain(chosen, text, get_method(m).NAME, target=target.strip() or None, **options) for m in names]
    out = []
    for e in results:
        card = evaluate(e, ["comprehensiveness", "sufficiency"], model=chosen)
        out.append({**_summary(e), "comprehensiveness": card.values["comprehensiveness"].value,
                    "comprehensiveness_random": card.values["comprehensiveness"].random,
                    "sufficiency": card.values["sufficiency"].value,
                    "sufficiency_random": card.values["sufficiency"].random})
    agreement = compare(results).to_dict() if len(results) > 1 else None
    return {"methods": out, "agreement": agreement}


@handler
def similarity(text_a: str, text_b: str, model: str = "", method: str = "shap", pairs: bool = False,
               pair_method: str = "integrated_jacobians") -> dict:
    """How similar two texts are (cosine of their sentence embeddings) and which words of the first make them so;
    with pairs, also which word of the first matches which word of the second.

    Args:
        text_a: the text whose words are explained.
        text_b: the text it is compared with.
        model: a listed embedding model (see list_models with task "embedding"); empty for the first listed.
        method: the explanation method (see list_methods).
        pairs: also explain the similarity word pair by word pair (the strongest pairs, each side's totals).
        pair_method: "integrated_jacobians" (the pairs add up to the similarity's change from both texts masked)
            or "pair_occlusion" (how two words count together when removed).
    """
    chosen = _model(model, "embedding")
    e = explain(chosen, text_a, method, pair=text_b)
    out = {"cosine_similarity": float(e.outputs[0]), **_summary(e)}
    if pairs:
        out["pairs"] = _pairs(explain_pair(chosen, text_a, text_b, pair_method))
    return out


def _pairs(e) -> dict:
    """What an agent needs of a word-pair explanation: the strongest pairs (at most ``MAX_WORDS``), what each word
    of either text adds, what the pairs add up to and why."""
    strongest = [{"word_a": m.unit_a, "word_b": m.unit_b, "a": m.a, "b": m.b, "value": m.value}
                 for m in e.strongest(MAX_WORDS)]
    return {"method": e.method, "strongest": strongest, "pairs_total": int(e.matrix.size),
            "words_a": [{"word": u.text, "start": u.start, "end": u.end, "adds": float(v)}
                        for u, v in zip(e.units_a, e.row_totals)][:MAX_WORDS],
            "words_b": [{"word": u.text, "start": u.start, "end": u.end, "adds": float(v)}
                        for u, v in zip(e.units_b, e.column_totals)][:MAX_WORDS],
            "total": e.total, "expected_sum": e.expected_sum, "terms": dict(e.terms), "note": e.note}


FUNCTIONS = {"list_models": list_models_tool, "list_methods": list_methods_tool, "explain_text": explain_text,
             "scorecard": scorecard, "counterfactual_texts": counterfactual_texts, "compare_methods": compare_methods,
             "similarity": similarity, "entities": entities}


def as_json(fn, name: str):
    """The tool as the MCP server serves it: its dict answer as JSON text (Gradio's MCP server would send a
    dict as Python's repr), named ``name``, with ``fn``'s arguments and docstring."""
    @functools.wraps(fn)
    def tool(*args, **kwargs) -> str:
        return json.dumps(fn(*args, **kwargs), ensure_ascii=False, default=float)

    tool.__name__ = name
    tool.__annotations__ = {**fn.__annotations__, "return": "str"}
    tool.__signature__ = inspect.signature(fn).replace(return_annotation=str)
    return tool


def register(demo: gr.Blocks) -> None:
    """Inside ``demo``: the tools as API endpoints, and every other event left out of the tool list."""
    before = set(demo.fns)
    for name, fn in FUNCTIONS.items():
        gr.api(as_json(fn, name), api_name=f"tool_{name}")
    for key, block_fn in demo.fns.items():
        if key in before and block_fn.api_visibility == "public":
            block_fn.api_visibility = "undocumented"  # the page's own events: callable by the page, not tools
