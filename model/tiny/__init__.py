"""Tiny random-weight checkpoints, written with ``save_pretrained(safe_serialization=True)``: every
encoder architecture the studio loads from a folder (``architectures``) and every decoder (``decoders``),
each with a tokenizer of its own kind, each built in well under a second. No weights of these kinds ship
offline, so the tests, the benches and the README build their own; a tiny model's outputs mean nothing.
"""
