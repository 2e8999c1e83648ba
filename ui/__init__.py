"""The web app's rooms: one module per tab, each with ``render(page)`` that lays the tab out and
wires its handlers, plus what the tabs share (the error wrapper, controls, model lists, notes,
progress). Wiring only: predictions come from ``model``, explanations and charts from ``explain``.
"""
