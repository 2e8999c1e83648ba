"""What every bench command shares: the texts it explains, the machine description, the results files."""
from __future__ import annotations

import json
import os
import platform
from pathlib import Path

SENTENCES = [  # 10 to 40 words
    "please transfer two hundred dollars from my checking account into savings",
    "my card was declined twice at the grocery store today and I have no idea why this keeps happening",
    "I have been waiting on hold for over an hour and I would really like to speak with a human agent now",
    "can you tell me what the exchange rate between the euro and the japanese yen is this week, because "
    "I am flying to tokyo on friday and need cash",
    "I need to know whether my flight to london tomorrow morning has been delayed or cancelled because of the "
    "storm, and if it has, how I can rebook onto the next available departure without paying a fee",
]


ACTIONS = ["move two hundred dollars into my savings account", "cancel the gym membership I signed up for last month",
           "check why my card was declined at the pharmacy", "book a table for four at an italian restaurant",
           "tell me what the weather will be like in lisbon", "set an alarm for half past six",
           "find me a cheaper flight to berlin", "reset the password of my online banking"]
OPENERS = ["please", "could you", "I need you to", "can you", "I would like you to", "hey, quickly",
           "if you have a minute,", "assistant,"]
WHEN = ["before friday", "tonight", "as soon as possible", "tomorrow morning", "this weekend", "before my trip",
        "by the end of the day", "whenever you get a chance"]
CLOSERS = ["thanks", "because it is urgent", "since I keep forgetting", "and send me a confirmation",
           "if that is possible", "so I can plan ahead", "without any extra fees", "and tell me when it is done"]


def requests(count: int) -> list[str]:
    """``count`` distinct assistant requests (a fixed sample of 4,096 combinations)."""
    import itertools
    import random

    combos = random.Random(0).sample(list(itertools.product(OPENERS, ACTIONS, WHEN, CLOSERS)), count)
    return [" ".join(parts) for parts in combos]


def machine_description() -> str:
    """What the numbers were measured on: processor, CPUs, torch, and the GPU if there is one."""
    import torch

    machine = f"{platform.machine()}, {os.cpu_count()} CPUs, torch {torch.__version__}"
    if torch.cuda.is_available():
        machine += f", {torch.cuda.get_device_name(0)}"
    return machine


def device_kind(device) -> str:
    """The results file's device part: "gpu" or "cpu"."""
    return "gpu" if str(device).startswith("cuda") else "cpu"


def save(folder: str, name: str, results: dict, markdown: str) -> None:
    """``<folder>/<name>.json`` and ``.md``, and the Markdown printed (what goes into the README)."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.json").write_text(json.dumps(results, indent=2))
    (out / f"{name}.md").write_text(markdown + "\n")
    print()
    print(markdown)
