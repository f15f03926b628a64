"""Small functions that turn API answers (plain data or shared.contract models) into components.

They do no I/O and hold no text of their own (everything goes through dashboard.i18n), so each
can be tested by building it and reading the component tree.
"""
