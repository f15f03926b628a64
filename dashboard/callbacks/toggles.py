"""Keeps a toggle group's buttons (aria-pressed) and its value store in step."""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, ctx, no_update

from dashboard.layout.common import toggle_id


def pressed(values: list[str], current: str | None) -> list[str]:
    return ["true" if value == current else "false" for value in values]


def register_toggle(app: Dash, group_id: str, values: list[str]) -> None:
    prefix = f"{group_id}-"

    @app.callback(
        Output(group_id, "data"),
        *(Input(toggle_id(group_id, v), "n_clicks") for v in values),
        prevent_initial_call=True,
    )
    def _choose(*clicks: int | None) -> Any:
        trigger = ctx.triggered_id
        if not isinstance(trigger, str) or not any(clicks):
            return no_update
        return trigger.removeprefix(prefix)

    @app.callback(
        *(Output(toggle_id(group_id, v), "aria-pressed") for v in values),
        Input(group_id, "data"),
    )
    def _show(current: str | None) -> list[str]:
        return pressed(values, current)
