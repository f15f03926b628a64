"""Signing in to the dashboard: local accounts or OpenID Connect, server-side sessions, roles.

Kept import-light on purpose: `scoring users` (training/commands/users.py) imports
`dashboard.auth.accounts` and `dashboard.auth.roles` only, never Dash or Flask.
"""
