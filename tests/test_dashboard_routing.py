"""Addresses: the selected client lives in the URL so a view can be shared or reloaded."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dashboard.routing import MAX_CLIENT_ID, Route, client_path, parse_route


@pytest.mark.parametrize(
    ("path", "search", "expected"),
    [
        ("/", "", Route("home")),
        (None, None, Route("home")),
        ("/client/100002", "", Route("client", 100002)),
        ("/client/100002/", "", Route("client", 100002)),
        ("/client/100002/compare", "", Route("compare", 100002)),
        ("/model", "", Route("model")),
        ("/", "?client=100003", Route("client", 100003)),
        ("/client/abc", "", Route("not_found")),
        ("/client/-5", "", Route("not_found")),
        ("/client/99999999999", "", Route("not_found")),
        ("/client/100002/other", "", Route("not_found")),
        ("/client/١٢٣", "", Route("not_found")),  # non-ASCII digits are not an ID
        ("/", "?client=x", Route("not_found")),
        ("/nowhere", "", Route("not_found")),
    ],
)
def test_parse_route(path: str | None, search: str | None, expected: Route) -> None:
    assert parse_route(path, search) == expected


@given(st.integers(0, MAX_CLIENT_ID), st.sampled_from(["client", "compare"]))
def test_client_paths_round_trip(client_id: int, page: str) -> None:
    assert parse_route(client_path(client_id, page)) == Route(page, client_id)  # type: ignore[arg-type]
