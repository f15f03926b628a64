"""Callbacks grouped by page. Each module has plain `render_*` functions (API in, components
out: testable without a browser) and a `register(app, api)` that wires them to component IDs.
No business logic here: the API decides, callbacks fetch and shape."""
