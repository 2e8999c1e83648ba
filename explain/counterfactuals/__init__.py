"""What would change the answer: counterfactual texts, each verified by running the model on it.

``counterfactuals(model, text, generator=...)`` returns ``Counterfactual`` records (the new text, its
edits as exact character spans of the original, the new prediction and scores, the change in the
target's score), only ever for texts the model was run on and whose answer, as the model's task
judges it, differs from the original's. Generators are a registry (``GENERATORS``,
``register_generator``): one file each, read by the what-if editor and the CLI.

* ``ablation_flip`` (``ablation.py``): delete the fewest words that change the answer.
* ``hotflip`` (``hotflip.py``): swap words for the gradient's first-order best substitutes.
* ``word_replace`` (``rules.py``): the user's rules, ``great -> terrible | bad``.

The search they share is ``search.py``; the generated texts are new strings, tokenized and run like
any user text.
"""
from .ablation import AblationFlip
from .base import (
    GENERATORS,
    Context,
    Generator,
    generator_params,
    get_generator,
    register_generator,
    unregister_generator,
)
from .edits import Edit, apply_edits, exact
from .hotflip import HotFlip, hotflip_scores, whole_word_vocabulary
from .rules import WordReplace, parse_rules
from .search import Counterfactual, Counterfactuals, counterfactuals

for _generator in (AblationFlip, HotFlip, WordReplace):
    register_generator(_generator, built_in=True)

__all__ = ["GENERATORS", "Context", "Counterfactual", "Counterfactuals", "Edit", "Generator", "apply_edits",
           "counterfactuals", "exact", "generator_params", "get_generator", "hotflip_scores", "parse_rules",
           "register_generator", "unregister_generator", "whole_word_vocabulary"]
