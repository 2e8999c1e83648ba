"""The studio as an MCP server: a real JSON-RPC ``initialize``, ``tools/list`` and ``tools/call`` over
streamable HTTP against the app launched with its tools (``GRADIO_MCP_SERVER=True``)."""
from __future__ import annotations

import json
import re
import urllib.request

import numpy as np
import pytest

pytest.importorskip("mcp")

HEADERS = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream",
           "MCP-Protocol-Version": "2025-06-18"}


@pytest.fixture(scope="module")
def server():
    import app

    demo = app.build(mcp=True)
    _, url, _ = demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=None, quiet=True,
                            mcp_server=True, i18n=app.I18N)
    yield url.rstrip("/") + "/gradio_api/mcp/"
    demo.close()


def rpc(url: str, method: str, params: dict | None = None, ident: int | None = 1) -> dict | None:
    body = {"jsonrpc": "2.0", "method": method, **({"params": params} if params is not None else {})}
    if ident is not None:
        body["id"] = ident
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers=HEADERS, method="POST")
    with urllib.request.urlopen(request, timeout=300) as response:
        raw = response.read().decode("utf-8")
        kind = response.headers.get("Content-Type", "")
    if ident is None:
        return None
    if "text/event-stream" in kind:  # the answer is the data of the last "message" event
        data = [line[5:].strip() for line in raw.splitlines() if line.startswith("data:")]
        messages = [json.loads(d) for d in data if d]
        return next(m for m in reversed(messages) if m.get("id") == ident)
    return json.loads(raw)


@pytest.fixture(scope="module")
def session(server):
    answer = rpc(server, "initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                                        "clientInfo": {"name": "studio-test", "version": "1"}})
    assert answer["result"]["serverInfo"]["name"]
    rpc(server, "notifications/initialized", {}, ident=None)
    return server


def test_the_tools_are_few_typed_and_described(session):
    tools = {t["name"]: t for t in rpc(session, "tools/list", {}, ident=2)["result"]["tools"]}
    assert 4 <= len(tools) <= 12
    assert set(tools) == {"list_models", "list_methods", "explain_text", "scorecard", "counterfactual_texts",
                          "compare_methods", "similarity", "entities"}  # the page's own events are not tools
    explain_tool = tools["explain_text"]
    assert explain_tool["description"].startswith("Explain why a Transformer model gave its answer")
    properties = explain_tool["inputSchema"]["properties"]
    assert set(properties) == {"text", "model", "method", "target", "contrast", "labels", "pair", "budget", "seed",
                               "top", "entity"}
    assert properties["text"]["type"] == "string" and properties["budget"]["type"] in ("integer", "number")
    for tool in tools.values():  # every argument says what it means
        for name, schema in tool["inputSchema"].get("properties", {}).items():
            assert schema.get("description"), (tool["name"], name)


def _result(answer: dict) -> dict:
    result = answer["result"]
    structured = result.get("structuredContent")
    if structured is not None:
        return structured.get("result", structured)
    text = next(c["text"] for c in result["content"] if c["type"] == "text")
    return json.loads(text)


def test_calling_the_explain_tool_returns_the_explanation(session, intent_model):
    from explain import explain

    text = "transfer $200 from checking to savings"
    answer = rpc(session, "tools/call", {"name": "explain_text", "arguments": {
        "text": text, "model": "intent-minilm", "method": "occlusion"}}, ident=3)
    assert not answer["result"].get("isError"), answer
    got = _result(answer)
    truth = explain(intent_model, text, method="occlusion")
    assert got["explained"] == truth.targets[0] and got["method"] == "occlusion"
    assert got["output"] == pytest.approx(float(truth.outputs[0]), abs=1e-6)
    values = {(w["start"], w["end"]): w["attribution"] for w in got["words"]}
    expected = {(w.start, w.end): float(truth.word_attributions[i, 0]) for i, w in enumerate(truth.words)}
    assert values.keys() == expected.keys()
    np.testing.assert_allclose([values[k] for k in expected], list(expected.values()), atol=1e-6)


def test_bad_input_is_one_sentence(session):
    answer = rpc(session, "tools/call", {"name": "explain_text", "arguments": {
        "text": "transfer money", "model": "../../etc/passwd"}}, ident=4)
    result = answer.get("result") or {}
    said = json.dumps(answer)
    assert result.get("isError") or "error" in answer
    assert re.search(r"Choose one of the listed models: intent-minilm, minilm-embed, (rampart-pii, )?minilm-zeroshot",
                     said)  # (then any model another test registered or trained in this process)
    for ident, name in enumerate(["file:///etc/passwd", "https://evil.example/model", "C:\\Windows\\system32",
                                  "INTENT-MINILM", "/etc/passwd"], start=20):
        answer = rpc(session, "tools/call", {"name": "explain_text", "arguments": {
            "text": "transfer money", "model": name}}, ident=ident)
        assert (answer.get("result") or {}).get("isError") or "error" in answer
        assert re.search(r"Choose one of the listed models: intent-minilm, minilm-embed, (rampart-pii, )?minilm-zeroshot",
                         json.dumps(answer))
    answer = rpc(session, "tools/call", {"name": "list_models", "arguments": {"task": "painting"}}, ident=5)
    assert "is not a task" in json.dumps(answer)


def test_listing_tools_answer_json(session):
    models = _result(rpc(session, "tools/call", {"name": "list_models", "arguments": {"task": "embedding"}}, ident=6))
    assert {m["task"] for m in models["models"]} == {"embedding"} and any(m["name"] == "minilm-embed"
                                                                          for m in models["models"])
    methods = _result(rpc(session, "tools/call", {"name": "list_methods", "arguments": {}}, ident=7))
    assert {m["name"] for m in methods["methods"]} >= {"shap", "lime", "occlusion"}


def test_the_other_tools_answer_with_the_models_numbers(session, embed_model):
    text_a, text_b = "A man is playing a guitar.", "Someone strums a guitar."
    got = _result(rpc(session, "tools/call", {"name": "similarity", "arguments": {
        "text_a": text_a, "text_b": text_b, "model": "minilm-embed", "method": "occlusion"}}, ident=8))
    a, b = embed_model.predict([text_a, text_b])
    assert got["cosine_similarity"] == pytest.approx(float(a @ b / np.linalg.norm(a) / np.linalg.norm(b)), abs=1e-5)
    paired = _result(rpc(session, "tools/call", {"name": "similarity", "arguments": {
        "text_a": text_a, "text_b": text_b, "model": "minilm-embed", "method": "occlusion", "pairs": True,
        "pair_method": "pair_occlusion"}}, ident=12))["pairs"]
    from explain import explain_pair

    expected = explain_pair(embed_model, text_a, text_b, "pair_occlusion")
    best = expected.strongest(1)[0]
    assert paired["strongest"][0] == {"word_a": best.unit_a, "word_b": best.unit_b, "a": best.a, "b": best.b,
                                      "value": pytest.approx(best.value, abs=1e-6)}
    assert [w["word"] for w in paired["words_a"]] == [u.text for u in expected.units_a]
    assert paired["total"] == pytest.approx(expected.total, abs=1e-6) and paired["method"] == "pair_occlusion"
    card = _result(rpc(session, "tools/call", {"name": "scorecard", "arguments": {
        "text": "transfer $200 from checking to savings", "model": "intent-minilm", "method": "occlusion"}}, ident=9))
    assert {"comprehensiveness", "sufficiency"} <= set(card["scorecard"]["scores"])
    compared = _result(rpc(session, "tools/call", {"name": "compare_methods", "arguments": {
        "text": "transfer $200 from checking to savings", "model": "intent-minilm",
        "methods": "occlusion, grad_input"}}, ident=10))
    assert [m["method"] for m in compared["methods"]] == ["occlusion", "grad_input"] and compared["agreement"]
    found = _result(rpc(session, "tools/call", {"name": "counterfactual_texts", "arguments": {
        "text": "transfer $200 from checking to savings", "model": "intent-minilm", "max_edits": 2}}, ident=11))
    assert found["original"]["text"] == "transfer $200 from checking to savings"


def test_answers_are_compact_and_top_raises_them(session, intent_model):
    """157 labels were all returned for 7 words (7 KB); the top 5 by score now, ``top`` for more, the count said."""
    text = "transfer $200 from checking to savings"
    got = _result(rpc(session, "tools/call", {"name": "explain_text", "arguments": {
        "text": text, "model": "intent-minilm", "method": "occlusion"}}, ident=30))
    scores = intent_model.predict([text])[0]
    order = np.argsort(-scores)
    assert got["labels"] == [intent_model.labels[i] for i in order[:5]] and got["labels_total"] == len(scores) == 157
    np.testing.assert_allclose(got["scores"], scores[order[:5]], atol=1e-6)
    more = _result(rpc(session, "tools/call", {"name": "explain_text", "arguments": {
        "text": text, "model": "intent-minilm", "method": "occlusion", "top": 12}}, ident=31))
    assert more["labels"] == [intent_model.labels[i] for i in order[:12]]
    found = _result(rpc(session, "tools/call", {"name": "counterfactual_texts", "arguments": {
        "text": "what is my account balance", "model": "intent-minilm", "max_edits": 2}}, ident=32))
    assert found["original"]["labels_total"] == 157 and len(found["original"]["labels"]) == 5
    assert found["counterfactuals"] and all(set(c) == {"text", "edits", "prediction", "target_change"}
                                            for c in found["counterfactuals"])
    assert len(json.dumps(found)) < 4_000


def test_the_entities_tool_finds_them_and_explain_text_explains_one(session, tmp_path_factory):
    from explain import explain
    from model import REGISTRY, load_model
    from model.loading.operator import register_folder
    from model.tiny.architectures import build

    name = "rampart-pii" if "rampart-pii" in REGISTRY else \
        register_folder(build(tmp_path_factory.mktemp("mcp") / "mcp-tagger", "bert", head="tokens", seed=3)).name
    model = load_model(name)
    text = "Call Sarah Johnson at 503-555-0142; she lives at 12 Oak Street, Portland."
    found = _result(rpc(session, "tools/call", {"name": "entities", "arguments": {
        "text": text, "model": name, "aggregation": "first"}}, ident=30))
    expected = [e for e, _ in model.entity_rules(text, "first")]
    assert [(e["word"], e["entity"], e["start"], e["end"]) for e in found["entities"]] == \
        [(e["word"], e["entity_group"], e["start"], e["end"]) for e in expected]
    assert [e["score"] for e in found["entities"]] == pytest.approx([e["score"] for e in expected], abs=1e-9)
    got = _result(rpc(session, "tools/call", {"name": "explain_text", "arguments": {
        "text": text, "model": name, "method": "occlusion", "entity": "1"}}, ident=31))
    truth = explain(model, text, "occlusion", entity=1)
    assert got["explained"] == truth.targets[0] and got["output"] == pytest.approx(float(truth.outputs[0]), abs=1e-6)
    wrong = rpc(session, "tools/call", {"name": "explain_text", "arguments": {
        "text": text, "model": "intent-minilm", "entity": "1"}}, ident=32)
    assert "entity is for token-classification models" in json.dumps(wrong)
