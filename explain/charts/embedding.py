"""Charts of embeddings: the similarity matrix of a set of texts and their 2-D / 3-D projections."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from model.errors import InputError
from model.tasks.embedding import cosine_matrix

from .style import DIVERGING, PALETTE, layout, plain, short, unique_ticks

MAX_LABELLED_POINTS = 12  # projections label points only while the labels fit; hover always works


def similarity_matrix(texts: list[str], vectors: np.ndarray) -> go.Figure:
    """Cosine similarity of every pair of texts."""
    sims = cosine_matrix(vectors)
    ticks = unique_ticks([short(t, 30) for t in texts])
    full = [plain(t) for t in texts]
    pairs = [[f"{full[i]}<br>{full[k]}" for k in range(len(texts))] for i in range(len(texts))]
    fig = go.Figure(go.Heatmap(z=sims, x=ticks, y=ticks, zmin=-1, zmax=1, zmid=0, colorscale=DIVERGING,
                               customdata=pairs, hovertemplate="%{customdata}<br>cos %{z:.4f}<extra></extra>",
                               colorbar={"title": {"text": "cosine"}}))
    return layout(fig, "Cosine similarity", "1 = same direction; hover a cell for both texts",
                   height=max(440, 28 * len(texts) + 240),
                   xaxis={"type": "category", "tickangle": -30}, yaxis={"type": "category", "autorange": "reversed"})


def projection(texts: list[str], vectors: np.ndarray, dims: int = 2, method: str = "pca") -> go.Figure:
    """2-D or 3-D projection of embeddings (PCA or UMAP), the text on hover; 2-D points carry
    their labels only while they fit (at most ``MAX_LABELLED_POINTS``), 3-D ones never."""
    if dims not in (2, 3):
        raise InputError("A projection has 2 or 3 dimensions.")
    if len(texts) < 2:
        raise InputError("A projection needs at least two texts.")
    points, used, why = project(vectors, dims, method)
    hover = [plain(t if len(t) <= 200 else t[:199] + "…") for t in texts]
    colour = PALETTE[3]
    if dims == 2:
        fits = labels_that_fit(points) if len(texts) <= MAX_LABELLED_POINTS else set()
        trace = go.Scatter(x=points[:, 0], y=points[:, 1], mode="markers+text",
                           text=[short(t, 20) if i in fits else "" for i, t in enumerate(texts)],
                           textposition="top center", customdata=hover, hovertemplate="%{customdata}<extra></extra>",
                           marker={"size": 11, "color": colour})
    else:
        trace = go.Scatter3d(x=points[:, 0], y=points[:, 1], z=points[:, 2], mode="markers", customdata=hover,
                             hovertemplate="%{customdata}<extra></extra>", marker={"size": 6, "color": colour})
    fig = go.Figure(trace)
    subtitle = "hover a point for its text" + (f" · {why}" if why else "")
    layout(fig, f"Embeddings · {used.upper()} {dims}-D", subtitle, height=560,
            margin={"l": 10, "r": 10, "t": 80, "b": 10})
    if dims == 2:  # room for the text labels next to the points at the edges
        for axis, column in (("xaxis", 0), ("yaxis", 1)):
            low, high = float(points[:, column].min()), float(points[:, column].max())
            pad = 0.25 * (high - low or 1.0)
            fig.update_layout({axis: {"range": [low - pad, high + pad]}})
    else:  # a camera further out than Plotly's default, so the cube is not clipped at the bottom
        fig.update_layout(scene={"aspectmode": "cube", "camera": {"eye": {"x": 1.7, "y": 1.7, "z": 1.0}}})
        for axis, column in (("xaxis", 0), ("yaxis", 1), ("zaxis", 2)):  # an axis with no spread: a plain -1..1
            if not np.ptp(points[:, column]):
                fig.update_layout(scene={axis: {"range": [-1, 1]}})
    return fig


def labels_that_fit(points: np.ndarray, width: float = 0.28, height: float = 0.08) -> set[int]:
    """Points whose label box (a share of the axes' ranges, above the point) overlaps no label
    already placed, taken in order: the others are labelled on hover only."""
    span = np.ptp(points[:, :2], axis=0)
    unit = points[:, :2] / np.where(span > 0, span, 1.0)
    placed: list[int] = []
    for i, (x, y) in enumerate(unit):
        if all(abs(x - unit[j, 0]) >= width or abs(y - unit[j, 1]) >= height for j in placed):
            placed.append(i)
    return set(placed)


def project(vectors: np.ndarray, dims: int, method: str) -> tuple[np.ndarray, str, str]:
    """Points, the method used, and why it is not the one asked for ("" if it is).

    UMAP is fitted on the distinct vectors only (seeded, neighbours = min(15, distinct - 1)) and
    equal vectors share their point: two copies of a text coincide instead of being pulled apart
    as UMAP's own neighbour graph does with exact duplicates."""
    vectors = np.asarray(vectors, dtype=np.float64)
    if method == "umap":
        distinct, where = np.unique(np.round(vectors, 6), axis=0, return_inverse=True)
        if len(distinct) >= dims + 3:
            import umap

            reducer = umap.UMAP(n_components=dims, n_neighbors=min(15, len(distinct) - 1), random_state=0, n_jobs=1,
                                init="random" if len(distinct) <= dims + 3 else "spectral")
            points = reducer.fit_transform(vectors[[int(np.flatnonzero(where == i)[0]) for i in range(len(distinct))]])
            return points[where.reshape(-1)], "umap", ""
        why = f"UMAP needs at least {dims + 3} different texts, so PCA is shown"
    elif method == "pca":
        why = ""
    else:
        raise InputError("The projection must be 'pca' or 'umap'.")
    from sklearn.decomposition import PCA

    distinct = len(np.unique(np.round(vectors, 6), axis=0))
    k = max(1, min(dims, distinct - 1, vectors.shape[1]))  # n different points span at most n - 1 dimensions
    points = PCA(n_components=k, random_state=0).fit_transform(vectors)
    points[np.abs(points) < 1e-9 * max(1.0, float(np.abs(points).max()))] = 0.0  # (rounding noise, not a direction)
    if k < dims:
        points = np.hstack([points, np.zeros((len(points), dims - k))])
        flat = f"{distinct} different text{'s' if distinct != 1 else ''} span{'s' if distinct == 1 else ''} " \
               f"{'no dimension' if k == 0 or distinct < 2 else f'{k} dimension' + ('s' if k > 1 else '')}: the other " \
               "axes are 0"
        why = f"{why}; {flat}" if why else flat
    return points, "pca", why


def warm_up() -> None:
    """Fit UMAP once on random points: its first use compiles it (tens of seconds), which the app's
    warm-up pays instead of the first user."""
    project(np.random.default_rng(0).normal(size=(8, 4)), 2, "umap")
