"""The signed-in person in the header (name, roles, sign-out) and the pages roles shape.

Sign-out is a plain HTML form posting to /logout with the session's CSRF token: it works
without any callback, and another site cannot sign a person out.
"""

from __future__ import annotations

from typing import Any

from dash import dcc, html

from dashboard.auth.current import (
    current_allows,
    current_may_see,
    current_roles,
    current_session,
)
from dashboard.auth.roles import Permission
from dashboard.i18n import translate


def roles_text(language: str) -> str:
    return ", ".join(translate(f"role.{role.value}", language) for role in current_roles())


def account_block(language: str) -> list[Any]:
    """Who is signed in and the sign-out button; nothing outside a signed-in request."""
    session = current_session()
    if session is None:
        return []
    return [
        html.Div(
            [
                html.Span(
                    translate(
                        "auth.signed_in_as", language, user=session.user, roles=roles_text(language)
                    ),
                    className="account-name",
                    id="account-name",
                ),
                html.Form(
                    [
                        dcc.Input(type="hidden", name="csrf_token", value=session.csrf_token),
                        dcc.Input(type="hidden", name="lang", value=language),
                        html.Button(
                            translate("auth.sign_out", language),
                            type="submit",
                            className="button",
                            id="sign-out",
                        ),
                    ],
                    action="/logout",
                    method="POST",
                ),
            ],
            className="account",
            role="group",
            **{"aria-label": translate("auth.account", language)},
        )
    ]


def forbidden_page(language: str) -> list[Any]:
    """What a page the role may not see shows instead (the address is answered 403 too)."""
    return [
        html.H1(translate("forbidden.heading", language)),
        html.P(translate("forbidden.text", language, roles=roles_text(language))),
        *staff_links(language),
    ]


def staff_links(language: str) -> list[Any]:
    links = [
        html.Li(dcc.Link(translate(key, language), href=href))
        for key, href, page in (
            ("app.nav.search", "/", "client"),
            ("app.nav.model", "/model", "model"),
            ("app.nav.governance", "/governance", "governance"),
        )
        if current_may_see(page)
    ]
    shown: list[Any] = [html.Ul(links, className="staff-links")] if links else []
    if current_allows(Permission.EXPORTS):
        shown += [
            html.H2(translate("exports.heading", language)),
            html.P(translate("exports.intro", language)),
            html.Ul(
                [
                    html.Li(html.A(translate(f"exports.{name}", language), href=href, download=""))
                    for name, href in (
                        ("audit", "/exports/audit.csv"),
                        ("access", "/exports/access.csv"),
                        ("decisions", "/exports/decisions.csv"),
                    )
                ],
                className="export-links",
            ),
        ]
    return shown


def staff_home_page(language: str) -> list[Any]:
    """Home of a role that does not search clients (risk): the pages it may open."""
    return [
        html.H1(translate("home.staff.heading", language)),
        html.P(translate("home.staff.intro", language)),
        *staff_links(language),
    ]
