"""The embedding projections with fewer texts than their dimensions: n texts span at most n - 1."""
from __future__ import annotations

import numpy as np
import pytest

from explain.charts.embedding import projection


@pytest.mark.parametrize("n", [2, 3])
def test_a_projection_of_few_texts_draws_them_and_says_why_axes_are_flat(n):
    """Two or three texts gave an empty or garbled 3-D projection (no points; ticks like -1.66e-16)."""
    vectors = np.random.default_rng(n).normal(size=(n, 16))
    figure = projection([f"text {i}" for i in range(n)], vectors, 3)
    points = np.array([figure.data[0].x, figure.data[0].y, figure.data[0].z], dtype=float).T
    assert points.shape == (n, 3) and np.isfinite(points).all()
    assert (points[:, n - 1:] == 0).all()  # the axes beyond what n points span: exactly 0, no rounding noise
    assert np.ptp(points[:, 0]) > 0.1  # the points are drawn apart along what they do span
    assert f"{n} different texts span {n - 1} dimension" in figure.layout.title.subtitle.text
    assert figure.layout.scene.zaxis.range == (-1, 1)
    distances = np.linalg.norm(points[:, None] - points[None], axis=-1)
    truth = np.linalg.norm(vectors[:, None] - vectors[None], axis=-1)
    np.testing.assert_allclose(distances, truth, atol=1e-9)  # n points in n - 1 dimensions keep every distance
