"""What every tab's ``render`` gets: the Blocks being built, the model lists, whether the Hub
answered, and the bundled example texts and files."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from .models import ModelLists

ASSETS = Path(__file__).resolve().parent.parent / "assets"
EXAMPLES = json.loads((ASSETS / "examples.json").read_text(encoding="utf-8"))
EXAMPLE_FILE = ASSETS / "intents_sample.csv"
RATIONALE_FILE = ASSETS / "intents_rationales.csv"  # 60 intents whose reasons the project marked by hand
LONG_EXAMPLE = ASSETS / "long_complaint.txt"  # written for this project: a complaint that mixes several intents
MAX_UPLOAD_BYTES = 50 * 2**20


@dataclass
class Page:
    demo: gr.Blocks
    models: ModelLists
    online: bool
