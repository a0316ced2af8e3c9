"""Quality flags, `review` and per-request glossaries through the HTTP API."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from fastapi.testclient import TestClient

from service.models.info import ModelInfo
from service.translation.base import Translation

SOURCE = "La ministre Park Seo-yeon est arrivée à Séoul."
GLOSSARY = [{"fr": "Park Seo-yeon", "en": "Park Seo-yeon", "ko": "박서연", "kind": "person"}]


class FixedTranslator:
    """Answers every sentence with the same text, as a model that dropped the minister's name."""

    @property
    def models(self) -> list[ModelInfo]:
        return [ModelInfo("fake/fixed", "0")]

    def translate(self, texts: Sequence[str], src: str, tgt: str) -> list[Translation]:
        answer = {"en": "The minister arrived in Seoul.", "ko": "장관이 서울에 도착했다."}[tgt]
        return [Translation(answer, -0.4) for _ in texts]


def test_request_glossary_is_enforced_and_reported(make_client: Callable[..., TestClient]) -> None:
    client = make_client(fake=FixedTranslator())
    plain = client.post("/v1/translate", json={"text": SOURCE, "target": "ko"}).json()["translations"][0]
    assert plain["segments"][0]["flags"] == [] and plain["review"] is False
    answer = client.post("/v1/translate", json={"text": SOURCE, "target": "ko", "glossary": GLOSSARY})
    assert answer.status_code == 200, answer.text
    translation = answer.json()["translations"][0]
    # This engine aligns nothing, so the name cannot be placed: it is wrong, and not applied.
    assert translation["segments"][0]["flags"] == ["entity_mismatch", "term_not_applied"]
    assert translation["review"] is True
    unenforced = make_client(fake=FixedTranslator(), enforce_terms=False)
    answer = unenforced.post("/v1/translate", json={"text": SOURCE, "target": "ko", "glossary": GLOSSARY})
    assert answer.json()["translations"][0]["segments"][0]["flags"] == ["entity_mismatch"]


def test_dispatches_carry_review_and_bullet_flags(make_client: Callable[..., TestClient]) -> None:
    client = make_client(fake=FixedTranslator())
    answer = client.post(
        "/v1/dispatches", json={"text": SOURCE, "glossary": GLOSSARY, "summarizer": "extractive"}
    )
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert data["review"] is True
    assert data["translations"]["en"]["segments"][0]["flags"] == ["entity_mismatch", "term_not_applied"]
    assert all("flags" in bullet for bullets in data["summaries"].values() for bullet in bullets)


def test_a_bad_request_glossary_is_a_client_error(make_client: Callable[..., TestClient]) -> None:
    client = make_client(fake=FixedTranslator())
    empty = client.post("/v1/translate", json={"text": SOURCE, "target": "en", "glossary": [{"fr": ""}]})
    assert empty.status_code == 400
    assert "glossary" in empty.json()["error"]["message"].lower()
    unknown = client.post(
        "/v1/translate", json={"text": SOURCE, "target": "en", "glossary": [{"fr": "X", "kind": "alien"}]}
    )
    assert unknown.status_code == 400
    extra = client.post(
        "/v1/translate", json={"text": SOURCE, "target": "en", "glossary": [{"fr": "X", "de": "Y"}]}
    )
    assert extra.status_code == 422


def test_models_report_the_backend_setting(make_client: Callable[..., TestClient]) -> None:
    client = make_client(fake=FixedTranslator())
    data = client.get("/v1/models").json()
    assert data["backend"]["setting"] == "auto"
    assert data["backend"]["resolves_to"].startswith("ctranslate2")
    assert sorted(s for m in data["models"] if m["loaded"] for s in m["used_by"]) == [
        "MTS_MODEL_FR_EN",
        "MTS_MODEL_FR_KO",
    ]


class DatedTranslator:
    """Gives the rate decision of 9 April 2026 on Wednesday the 8th, when the French says Tuesday (the 7th)."""

    @property
    def models(self) -> list[ModelInfo]:
        return [ModelInfo("fake/dated", "0")]

    def translate(self, texts: Sequence[str], src: str, tgt: str) -> list[Translation]:
        answer = {
            "en": "SEOUL, April 9 (Yonhap) -- The Bank of Korea held its policy rate at 2.5 percent on Tuesday.",
            "ko": "(서울=연합뉴스) 한국은행은 8일 기준금리를 연 2.5%로 동결했다.",
        }[tgt]
        return [Translation(answer, -0.4) for _ in texts]


DATED = "SÉOUL, 9 avr. (Yonhap) -- La Banque de Corée a maintenu mardi son taux directeur à 2,5 %."


def test_the_dateline_year_setting_reads_weekdays_as_dates(make_client: Callable[..., TestClient]) -> None:
    flagged = make_client(fake=DatedTranslator(), dateline_year="2026")
    answer = flagged.post("/v1/translate", json={"text": DATED, "target": "ko"})
    assert answer.status_code == 200, answer.text
    segment = answer.json()["translations"][0]["segments"][0]
    assert segment["flags"] == ["number_mismatch"]
    assert {"flag": "number_mismatch", "note": "“mardi” of the source is not in the translation"} in segment[
        "findings"
    ]
    loose = make_client(fake=DatedTranslator(), dateline_year="none")
    answer = loose.post("/v1/translate", json={"text": DATED, "target": "ko"})
    assert answer.json()["translations"][0]["segments"][0]["flags"] == []
