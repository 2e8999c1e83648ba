"""The one model API: ``load_model(name)`` returns a model with ``task``, ``predict``,
``tokenize``, ``predict_ids``, ``predict_embeds``, ``attentions``, ``readout`` and
``input_embeddings``. Tasks live in ``model.tasks`` (one file each, one registry line); a model
from outside is one ``register_model`` call."""
from .base import TextModel
from .errors import BudgetExceeded, InputError, ModelUnavailable, ResourceExhausted
from .loading.load import is_loaded, load_model, load_trained
from .params import Param
from .registry import REGISTRY, ModelSpec, list_models, register_model, unregister_model
from .tasks import TASKS, get_task, register_task, unregister_task
from .tokens import Tokenized


def quiet_logging() -> None:
    """No weight-loading progress bars or advisory warnings from transformers. For entry points
    (the app, the CLI, the bench): importing this package changes no global logging."""
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()


__all__ = ["TASKS", "REGISTRY", "BudgetExceeded", "InputError", "ModelSpec", "ModelUnavailable", "Param",
           "ResourceExhausted", "TextModel", "Tokenized", "get_task", "is_loaded", "list_models", "load_model",
           "load_trained", "quiet_logging", "register_model", "register_task", "unregister_model",
           "unregister_task"]
