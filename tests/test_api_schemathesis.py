"""Property-based tests generated from the API's own OpenAPI schema (schemathesis).

Every operation is called with generated valid and invalid inputs and a valid key: whatever the
input, the API must never answer 5xx, and every response must match the schema it documents
(status codes, content types, bodies). Bounded to a few examples per operation so the module
stays well under a minute.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from api.app import create_app, load_service
from shared.settings import ApiSettings

KEY = "fuzz-key-0123456789"


@pytest.fixture(scope="module")
def api_schema(sample_bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    config = ApiSettings(
        model_dir=sample_bundle,
        audit_db=tmp_path_factory.mktemp("fuzz") / "audit.sqlite",
        api_keys=f"fuzz:{KEY}",
        max_batch=20,
    )
    service = load_service(config)
    app = create_app(config, service=service)
    yield schemathesis.openapi.from_asgi("/openapi.json", app)
    service.close()


def operations(schema) -> list:
    return [result.ok() for result in schema.get_all_operations()]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_server_error_and_responses_match_the_schema(api_schema, mode: GenerationMode) -> None:
    """Driven by hand rather than through schemathesis' pytest plugin, which does not support
    this pytest version; the strategies and the response validation are schemathesis' own."""
    checked = []
    for operation in operations(api_schema):

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=8,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case) -> None:
            response = case.call(headers={"X-API-Key": KEY})
            assert response.status_code < 500, f"{case.method} {case.path}: {response.text}"
            if mode is GenerationMode.POSITIVE:
                case.validate_response(response)

        try:
            check()
        except Unsatisfiable:
            # nothing to get wrong (e.g. GET /health has no parameters): no negative case exists
            assert mode is GenerationMode.NEGATIVE, operation.label
            continue
        checked.append(operation.label)
    assert len(checked) >= (12 if mode is GenerationMode.POSITIVE else 6)
