"""The model kinds behind the one model API: classifier, zero-shot (NLI and embedding similarity),
embedding, decoder language model, and zero-shot by prompting a decoder."""
