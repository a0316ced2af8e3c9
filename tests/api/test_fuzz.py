"""Property-based fuzzing of every API operation from the OpenAPI schema: no input gives a 5xx."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
import schemathesis
from api_helpers import EchoTranslator
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings

from service.api.documents import UPLOAD_OVERHEAD_BYTES

Client = Callable[..., TestClient]
EXAMPLES_PER_OPERATION = 30


@pytest.mark.slow
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
            if kwargs.get("files"):
                kwargs["files"] = _encodable_files(kwargs["files"])
            response = client.request(**kwargs)
            statuses.append(response.status_code)
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.path}: {response.status_code} {response.text[:200]}")

        exercise()
    assert not failures, "\n".join(failures[:10])
    # The generated requests reached the routes: both accepted and refused ones.
    assert any(200 <= code < 300 for code in statuses)
    assert any(400 <= code < 500 for code in statuses)


def _as_bytes(value: object) -> bytes:
    if isinstance(value, bytes):
        return value
    text = value if isinstance(value, str) else json.dumps(value)
    return text.encode("utf-8", "surrogatepass")  # a lone surrogate arrives as invalid UTF-8


def _clean(text: object) -> object:
    return text.encode("utf-8", "replace").decode() if isinstance(text, str) else text


def _encodable_files(files: object) -> list[tuple[object, object]]:
    """Generated multipart parts as a client would have to send them: every part's content as
    bytes (a number or a list as its JSON text), part names and file names as valid text. The
    test client cannot encode them otherwise and fails inside the app's receive call."""
    items = files.items() if isinstance(files, dict) else files
    out: list[tuple[object, object]] = []
    for name, value in items:  # type: ignore[union-attr]
        if isinstance(value, tuple):
            filename, content, *rest = value
            out.append((_clean(name), (_clean(filename), _as_bytes(content), *rest)))
        else:
            out.append((_clean(name), _as_bytes(value)))
    return out


HOSTILE = ["\ud800", "Bonjour \udfff", "a" * 400, "é" * 325, "\x00", "\u202e"]


def _spoil(value: object, hostile: str) -> object:
    """Every string of a JSON value with a hostile piece appended."""
    if isinstance(value, str):
        return value + hostile
    if isinstance(value, list):
        return [_spoil(item, hostile) for item in value]
    if isinstance(value, dict):
        return {key: _spoil(item, hostile) for key, item in value.items()}
    return value


def test_no_server_errors_for_hostile_strings_in_chunked_bodies(make_client: Client) -> None:
    """The generated bodies again, every string spoiled (lone surrogates, terms over the glossary
    limits, control characters), an over-long glossary term added, sent chunked (no length)."""
    from hypothesis import strategies as st

    limit = 20_000  # of JSON bodies, uploaded files and glossary uploads alike
    client = make_client(
        fake=EchoTranslator(), max_body_bytes=limit, document_max_bytes=limit, glossary_max_bytes=limit
    )
    schema = schemathesis.openapi.from_dict(client.app.openapi())  # type: ignore[attr-defined]
    operations = [result.ok() for result in schema.get_all_operations()]
    with_body = [op for op in operations if op.method.upper() == "POST"]
    assert len(with_body) >= 5
    failures: list[str] = []
    statuses: list[int] = []
    for operation in with_body:

        @settings(max_examples=10, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(), hostile=st.sampled_from(HOSTILE), big=st.booleans())
        def exercise(case: schemathesis.Case, hostile: str, big: bool) -> None:
            body = case.body if isinstance(case.body, dict) else {"q": "Bonjour.", "target": "en"}
            spoiled = _spoil(body, hostile)
            assert isinstance(spoiled, dict)
            spoiled["glossary"] = [{"fr": "terme " * 80, "en": "term"}]
            raw = json.dumps(spoiled).encode()  # a lone surrogate travels as its \\ud800 escape
            if big:
                pad = b"x" * (limit + UPLOAD_OVERHEAD_BYTES + 10_000)  # over the upload limit too
                raw = raw[:-1] + b', "pad": "' + pad + b'"}'
            response = client.request(
                case.method.upper(),
                case.path,
                content=iter([raw[: len(raw) // 2], raw[len(raw) // 2 :]]),
                headers={"content-type": "application/json"},
            )
            statuses.append(response.status_code)
            if response.status_code >= 500:
                failures.append(f"POST {case.path}: {response.status_code} {response.text[:200]}")
            if big and response.status_code != 413:
                failures.append(f"POST {case.path}: over-limit chunked body gave {response.status_code}")

        exercise()
    assert not failures, "\n".join(failures[:10])
    assert 413 in statuses and any(400 <= code < 413 for code in statuses), sorted(set(statuses))
