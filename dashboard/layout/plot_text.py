"""Data is text, never markup: every string a chart shows is escaped before Plotly sees it.

Plotly reads a subset of HTML in its strings (axis tick labels, bar and hover texts, legend
names, annotations): a category value such as `<a href="https://…">x</a>` in the data would
become a live link in an axis label, `<b>` would change the text's look. Every chart of the
dashboard goes through `chart()` (dashboard/layout/common.py), which passes its figure through
`as_text`: the strings of traces, annotations, shapes' positions on categorical axes, tick
texts and titles get `&`, `<` and `>` escaped. Plotly turns the entities back into the same
characters on screen, so a value reads exactly as it is, and nothing in it is interpreted.
Hover templates are the code's own (they hold `<br>` and `<extra>` on purpose) and are left
as they are: the data they insert (`%{x}`, `%{text}`) is already escaped.
"""

from __future__ import annotations

from html import escape
from typing import Any

import plotly.graph_objects as go

#: Trace properties that carry data-derived strings to the screen (or to a category axis).
TRACE_TEXT = ("x", "y", "text", "hovertext", "labels", "name", "customdata", "ids")


def plot_text(value: Any) -> Any:
    """A string with its markup characters escaped; anything else (numbers) unchanged."""
    return escape(value, quote=False) if isinstance(value, str) else value


def _escaped(value: Any) -> Any:
    if isinstance(value, str):
        return plot_text(value)
    if isinstance(value, list | tuple):
        return [_escaped(v) for v in value]
    return value


def as_text(figure: go.Figure) -> go.Figure:
    """The figure with every data-derived string escaped (in place; returned for chaining)."""
    for trace in figure.data:
        for name in TRACE_TEXT:
            if name in trace and trace[name] is not None:
                value = trace[name]
                if hasattr(value, "tolist"):  # numpy arrays of objects
                    value = value.tolist()
                trace[name] = _escaped(value)
    layout = figure.layout
    for annotation in layout.annotations or ():
        annotation.text = plot_text(annotation.text)
        annotation.x, annotation.y = plot_text(annotation.x), plot_text(annotation.y)
    for shape in layout.shapes or ():
        shape.x0, shape.x1 = plot_text(shape.x0), plot_text(shape.x1)
        shape.y0, shape.y1 = plot_text(shape.y0), plot_text(shape.y1)
    for axis_name in ("xaxis", "yaxis"):
        axis = layout[axis_name]
        if axis.ticktext is not None:
            axis.ticktext = _escaped(list(axis.ticktext))
        if axis.tickvals is not None:
            axis.tickvals = _escaped(list(axis.tickvals))
        if axis.categoryarray is not None:
            axis.categoryarray = _escaped(list(axis.categoryarray))
        if axis.title.text is not None:
            axis.title.text = plot_text(axis.title.text)
    if layout.title.text is not None:
        layout.title.text = plot_text(layout.title.text)
    return figure
