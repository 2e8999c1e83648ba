"""Inside the Transformer: each step of the model's own computation, recomputed and checked.

``attention_steps`` recomputes one head of one layer in float64 from the layer's own weights (with
what each architecture adds: DeBERTa's disentangled terms, MPNet's relative bias, ModernBERT's rotary
positions and local windows), beside the model's own attention probabilities and head output;
``embedding_sum`` the layer-0 input; ``position_view`` what a model uses for word order;
``layer_flow`` per-layer norms; ``layer_lens`` the task's head after each layer. Architectures:
BERT, RoBERTa, XLM-RoBERTa, ELECTRA, DistilBERT, ALBERT, DeBERTa-v2/v3, MPNet, BART (its encoder) and
ModernBERT; others get one sentence. Every hook acts only for the thread that set it.
"""
from .anatomy import COVERED, POSITION_KINDS, Anatomy, anatomy
from .attention import AttentionSteps, attention_steps
from .capture import capturing
from .embedding import EmbeddingSum, embedding_sum
from .flow import LayerFlow, LayerLens, layer_flow, layer_lens
from .positions import PositionView, position_embeddings, position_similarity, position_view, sinusoidal_encoding

__all__ = ["COVERED", "POSITION_KINDS", "Anatomy", "AttentionSteps", "EmbeddingSum", "LayerFlow", "LayerLens",
           "PositionView", "anatomy", "attention_steps", "capturing", "embedding_sum", "layer_flow", "layer_lens",
           "position_embeddings", "position_similarity", "position_view", "sinusoidal_encoding"]
