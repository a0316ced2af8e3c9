"""Property-based fuzzing of every API operation from the OpenAPI schema: no input gives a 5xx."""

from __future__ import annotations

from collections.abc import Callable

import schemathesis
from api_helpers import EchoTranslator
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings

Client = Callable[..., TestClient]
EXAMPLES_PER_OPERATION = 30


def test_no_server_errors_for_generated_requests(make_client: Client) -> None:
    client = make_client(fake=EchoTranslator())
    schema = schemathesis.openapi.from_dict(client.app.openapi())  # type: ignore[attr-defined]
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 11
    failures: list[str] = []
    statuses: list[int] = []
    for operation in operations:

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def exercise(case: schemathesis.Case) -> None:
            kwargs = case.as_transport_kwargs(base_url="http://testserver")
            if not kwargs.get("cookies"):
                kwargs.pop("cookies", None)
            response = client.request(**kwargs)
            statuses.append(response.status_code)
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.path}: {response.status_code} {response.text[:200]}")

        exercise()
    assert not failures, "\n".join(failures[:10])
    # The generated requests reached the routes: both accepted and refused ones.
    assert any(200 <= code < 300 for code in statuses)
    assert any(400 <= code < 500 for code in statuses)
