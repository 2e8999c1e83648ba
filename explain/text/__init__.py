"""A text's units: tokens, words (in every script), sentences and paragraphs, what an explainer hides
together (granularity), and the partition trees SHAP and the hierarchical method walk."""
