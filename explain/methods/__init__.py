"""The built-in explanation methods, one file each, named by the method's ``NAME``.

A method is a ``Method`` subclass (``explain.base``) registered with ``register_method``
(``explain.registry``); a plugin's method lives in its own package and registers the same way.
"""
from .attention import AttentionMethod
from .grad_input import GradientInputMethod
from .hierarchical import HierarchicalMethod
from .ig import IntegratedGradientsMethod
from .lime import LimeMethod
from .occlusion import OcclusionMethod
from .rollout import RolloutMethod
from .shap import ShapMethod

# In the order the app and the CLI list them.
BUILT_IN = (ShapMethod, LimeMethod, IntegratedGradientsMethod, GradientInputMethod, OcclusionMethod, AttentionMethod,
            RolloutMethod, HierarchicalMethod)

__all__ = ["BUILT_IN", "AttentionMethod", "GradientInputMethod", "HierarchicalMethod", "IntegratedGradientsMethod",
           "LimeMethod", "OcclusionMethod", "RolloutMethod", "ShapMethod"]
