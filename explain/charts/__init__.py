"""Charts: pure functions from results (an Explanation, a Scorecard, a dataset Summary, the
internals of a forward pass, a training history) to Plotly Figures. One module per family;
``style`` holds what they share (colours, layout, number formats, escaping)."""
