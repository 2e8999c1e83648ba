"""The page's model lists, all from one place: the registry (bundled models, the operator's folders,
plugin models, and Hub models where the Hub answered at start-up) and the models trained here.
Training a model refreshes every list of its task. Only names offered here reach ``load_model``
from the page, and no string a user sends becomes a path; where the operator allows any Hub model
(``--hub-models any``, with the Hub reachable), a typed Hub id goes through ``model.loading.hub_models``:
its metadata checked before the download, the models kept in a bounded LRU."""
from __future__ import annotations

import gradio as gr

from model import REGISTRY, is_loaded, list_models, load_model
from model.errors import InputError
from model.loading.checkpoint import is_path
from model.loading.hub_models import HubModels
from model.trained import TRAINED
from model.validation import check_hub_id

ORIGIN = {"bundled": "", "local": " (local folder)", "plugin": " (plugin)", "hub": " (Hugging Face Hub)"}


def choices(tasks: tuple[str, ...], online: bool, trained_only: bool = False) -> list[tuple[str, str]]:
    """(shown, value) pairs: bundled first, then the operator's folders, plugins, Hub models where the Hub
    answered, then models trained in this server (newest last); ``trained_only``: those last alone."""
    out = [] if trained_only else [(spec.name + ORIGIN.get(spec.origin, ""), spec.name) for task in tasks
                                   for spec in list_models(task) if spec.offline or online]
    for name in TRAINED.names():
        trained = TRAINED.get(name)
        if trained is not None and trained.task in tasks:
            out.append((f"{name} (trained here)", name))
    return out


def default(tasks: tuple[str, ...]) -> str | None:
    """The first bundled model of the first task that has one."""
    for task in tasks:
        for spec in list_models(task):
            if spec.bundled:
                return spec.name
    return None


HUB: HubModels | None = None  # set by the app where any Hub model may be typed
ONLINE = False  # whether the page lists Hub models (the Hub answered at start-up)


def offline_models() -> str:
    """What is offered without the Hub, in words: "bundled models", "bundled and local models", ..."""
    kinds = {"bundled": "bundled", "local": "local", "plugin": "plugin"}
    present = [word for origin, word in kinds.items() if any(s.origin == origin for s in list_models())]
    return (" and ".join([", ".join(present[:-1]), present[-1]]) if len(present) > 1 else present[0]) + " models"


def allow_any_hub_model(hub_models: HubModels | None) -> None:
    """Let users type Hub ids in the model pickers (the operator's ``--hub-models any``); None: listed models only."""
    global HUB
    HUB = hub_models


def resolve(name: object, task: str | None = None, progress=None):
    """The model a listed name stands for (``task`` None: any task), or a typed Hub id where allowed; one
    sentence for anything else."""
    if isinstance(name, str) and HUB is not None and name not in REGISTRY and TRAINED.get(name) is None \
            and not is_path(name):
        def downloaded(done: int, total: int) -> None:
            if progress is not None:
                progress((done, total or None), desc=f"Downloading {name} from the Hugging Face Hub", unit="files")

        if progress is not None:
            progress(None, desc=f"Checking {name} on the Hugging Face Hub…")
        return HUB.get(check_hub_id(name), task, progress=downloaded)
    if not isinstance(name, str) or (name not in REGISTRY and TRAINED.get(name) is None):
        raise not_listed(task)  # (a path, a URL, a drive letter or a name in other capitals alike)
    if progress is not None and not is_loaded(name):
        progress(0, desc=f"Loading {name} (first use since the server started)…")
    return load_model(name, task=task)


def listed(task: str | None) -> list[str]:
    """The names a user may choose for ``task`` (None: any): the registered models, then those trained here."""
    names = [spec.name for spec in list_models(task) if spec.offline or ONLINE]
    return names + [n for n in TRAINED.names() if (t := TRAINED.get(n)) is not None and task in (None, t.task)]


def not_listed(task: str | None) -> InputError:
    """The one sentence for a model name that is not listed: the names that are, or how to get one where none is
    (a server with no decoder offline)."""
    names = listed(task)
    if not names:
        kind = {"generation": "decoder (causal language model)"}.get(task or "", f"{task} model")
        return InputError(f"No {kind} is listed on this server: whoever starts it adds one with --model ./folder "
                          "(a checkpoint saved with save_pretrained, as safetensors), or starts it where the Hugging "
                          "Face Hub is reachable.")
    shown = ", ".join(names[:15]) + (f" and {len(names) - 15} more" if len(names) > 15 else "")
    return InputError(f"Choose one of the listed models: {shown}.")


class ModelLists:
    """Every model dropdown of the page, with the tasks it lists, so training can refresh them all."""

    def __init__(self, online: bool) -> None:
        self.online = online
        global ONLINE
        ONLINE = online  # (what a refusal lists: the page's models)
        self.dropdowns: list[tuple[gr.Dropdown, tuple[str, ...], bool]] = []

    def dropdown(self, tasks: tuple[str, ...], label: str = "Model", trained_only: bool = False,
                 **kwargs) -> gr.Dropdown:
        """A model picker of ``tasks`` (``trained_only``: the models trained here alone)."""
        offered = choices(tasks, self.online, trained_only)
        value = kwargs.pop("value", None if trained_only else default(tasks) or (offered[0][1] if offered else None))
        if HUB is not None and self.online:  # the operator allows any Hub model: it can be typed
            kwargs.setdefault("allow_custom_value", True)
            kwargs.setdefault("info", "or type a Hugging Face Hub id (owner/name): its metadata is checked first")
        component = gr.Dropdown(offered, value=value, label=label, **kwargs)
        self.dropdowns.append((component, tasks, trained_only))
        return component

    @property
    def components(self) -> list[gr.Dropdown]:
        return [component for component, _, _ in self.dropdowns]

    def refreshed(self, follow=(), value: str | None = None) -> list:
        """New choices for every dropdown (its current value stays selected; those in ``follow`` select ``value``)."""
        return [gr.Dropdown(choices=choices(tasks, self.online, only), **({"value": value} if component in follow else {}))
                for component, tasks, only in self.dropdowns]
