"""The extractive summarizer on French dispatches with real structure."""

from __future__ import annotations

import pytest

from service.summarization.extractive import (
    is_content,
    strip_dateline,
    summarize_extractive,
    trim_attribution,
)
from service.text.segment import segment

NORTH_KOREA = """SÉOUL, 3 juin (Yonhap) -- La Corée du Nord a tiré mardi matin deux missiles balistiques de courte portée vers la mer de l'Est, a annoncé l'état-major interarmées (JCS) sud-coréen.

Photo d'archives Yonhap

Les missiles ont été lancés depuis la région de Pyongyang vers 7h10 et ont parcouru environ 350 km avant de tomber en mer, selon le JCS.

«Nous renforçons notre surveillance et restons en étroite coordination avec les États-Unis», a déclaré le JCS dans un communiqué.

Il s'agit du cinquième tir de missiles balistiques du Nord cette année. Le dernier remontait au 14 mai, lorsque Pyongyang avait lancé un missile de croisière.

Tokyo a également confirmé le tir et a protesté par les canaux diplomatiques.

(FIN)
"""

ECONOMY = """Photo : YONHAP News

SÉOUL, 12 mars (Yonhap) -- Les exportations sud-coréennes ont augmenté de 8,1 % sur un an en février, à 52,6 milliards de dollars, a annoncé aujourd'hui le ministère du Commerce, de l'Industrie et de l'Énergie.

Les exportations de semi-conducteurs ont bondi de 23,4 %, à 9,6 milliards de dollars, portées par la demande liée à l'intelligence artificielle.

Les importations ont reculé de 2,7 %, à 48,3 milliards de dollars, ce qui a permis un excédent commercial de 4,3 milliards de dollars, le dixième mois consécutif d'excédent.

Les exportations vers la Chine ont progressé de 3,2 %, tandis que celles vers les États-Unis ont atteint un record pour un mois de février.

Par Kim Min-ji
"""


def first_sentences(text: str, n: int) -> list[str]:
    return [s.text for s in segment(text)][:n]


@pytest.mark.parametrize("text", [NORTH_KOREA, ECONOMY])
def test_bullets_are_content_sentences_in_document_order(text: str) -> None:
    bullets = summarize_extractive(text, 3)
    assert len(bullets) == 3
    for bullet in bullets:
        assert not bullet.lower().startswith(("photo", "(fin", "par "))
        assert "(Yonhap)" not in bullet
    positions = [text.find(b[:30]) for b in bullets]
    assert positions == sorted(positions)


def test_beats_first_three_sentences_on_credit_and_dateline_openings() -> None:
    lead3 = first_sentences(ECONOMY, 3)
    assert lead3[0] == "Photo : YONHAP News", "the baseline wastes a bullet on the photo credit"
    bullets = summarize_extractive(ECONOMY, 3)
    assert bullets[0].startswith("Les exportations sud-coréennes ont augmenté de 8,1 %")
    assert all(is_content(b) for b in bullets)


def test_sample_dispatch_skips_photo_credit_and_dateline(sample_text: str) -> None:
    bullets = summarize_extractive(sample_text, 5)
    assert 3 <= len(bullets) <= 5
    assert not any("YONHAP News" in b or "(Yonhap)" in b or b.startswith("BRUXELLES") for b in bullets)
    assert bullets[0].startswith("La Corée du Sud et l'Union européenne")


def test_near_duplicates_are_dropped() -> None:
    text = (
        "Le président a rencontré le Premier ministre japonais à Tokyo pour discuter du commerce bilatéral. "
        "Le président a rencontré le Premier ministre japonais à Tokyo pour discuter du commerce bilatéral hier. "
        "Les deux dirigeants ont signé trois accords sur les semi-conducteurs et les batteries. "
        "Une conférence de presse commune a suivi la signature des accords à la résidence officielle."
    )
    bullets = summarize_extractive(text, 3)
    assert sum(b.startswith("Le président a rencontré") for b in bullets) == 1


@pytest.mark.parametrize(
    ("line", "content"),
    [
        ("Photo : YONHAP News", False),
        ("(Photo d'archives Yonhap)", False),
        ("(FIN)", False),
        ("Par Kim Min-ji", False),
        ("Le ministre Cho Tae-yul à Bruxelles", False),
        ("La Corée du Nord a tiré deux missiles balistiques vers la mer de l'Est mardi.", True),
    ],
)
def test_non_content_lines(line: str, content: bool) -> None:
    assert is_content(line) is content


def test_dateline_is_stripped() -> None:
    assert strip_dateline("SÉOUL, 12 mars (Yonhap) -- les exportations ont augmenté.") == (
        "Les exportations ont augmenté."
    )
    assert strip_dateline("BRUXELLES, 06 sept. (Yonhap) – La réunion a eu lieu.") == "La réunion a eu lieu."
    assert strip_dateline("La réunion a eu lieu.") == "La réunion a eu lieu."


def test_attribution_is_trimmed_but_kept() -> None:
    assert (
        trim_attribution("Le Nord a tiré deux missiles, a annoncé aujourd'hui le ministère de la Défense.")
        == "Le Nord a tiré deux missiles, selon le ministère de la Défense."
    )
    quoted = "«Nous restons vigilants», a déclaré le ministère de la Défense."
    assert trim_attribution(quoted) == quoted
    plain = "Le Nord a tiré deux missiles vers la mer de l'Est."
    assert trim_attribution(plain) == plain


def test_short_documents_give_fewer_bullets_and_empty_gives_none() -> None:
    assert summarize_extractive("", 3) == []
    assert summarize_extractive("Photo : YONHAP News", 3) == []
    one = "La Corée du Nord a tiré deux missiles balistiques vers la mer de l'Est mardi."
    assert summarize_extractive(one, 3) == [one]
