"""``mts bench --pipeline``: the models it builds, the dispatches it reads, the report it prints
(end to end on tiny models, to stay fast)."""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from test_cli import assert_one_line_error, run
from tiny_models import build_marian

from service import bench_pipeline as bp
from service.bench import MARIAN_FILLER
from service.errors import MtsError
from service.text.segment import segment
from service.translation.seq2seq import korean_output_tokens

# m2m100_418M's shape scaled down; its vocabulary large enough that the kept shares below differ,
# and that the pieces trained on every dispatch of the project leave room for the fillers.
TINY_VOCAB = 32768
TINY_M2M100 = {
    "vocab_size": TINY_VOCAB,
    "d_model": 16,
    "encoder_layers": 1,
    "decoder_layers": 1,
    "encoder_attention_heads": 2,
    "decoder_attention_heads": 2,
    "encoder_ffn_dim": 32,
    "decoder_ffn_dim": 32,
    "max_position_embeddings": 512,
    "scale_embedding": True,
}


def test_the_m2m100_config_has_the_m2m100_418m_architecture() -> None:
    config = bp.m2m100_config()  # the config only: the 418M weights are not built here
    expected = {
        "model_type": "m2m_100",
        "vocab_size": 128112,
        "d_model": 1024,
        "encoder_layers": 12,
        "decoder_layers": 12,
        "encoder_attention_heads": 16,
        "decoder_attention_heads": 16,
        "encoder_ffn_dim": 4096,
        "decoder_ffn_dim": 4096,
        "max_position_embeddings": 1024,
        "scale_embedding": True,
        "tie_word_embeddings": True,
        "pad_token_id": 1,
        "bos_token_id": 0,
        "eos_token_id": 2,
        "decoder_start_token_id": 2,
    }
    assert {key: getattr(config, key) for key in expected} == expected


@pytest.mark.parametrize("share", [0.125, 0.25, 0.5])
def test_the_padded_vocabulary_has_the_real_size_and_keeps_the_share_asked_for(share: float) -> None:
    pieces = ["▁Le", "▁ministre", "é", "▁Séoul", "서울", ",", "<unk>"]
    vocab = bp.m2m100_vocabulary(pieces, 128112, share)
    assert len(vocab) == 128004  # the published vocab.json: 100 language tokens and 8 fillers follow
    assert sorted(vocab.values()) == list(range(128004))
    assert [vocab[token] for token in ("<s>", "<pad>", "</s>", "<unk>", "▁Le")] == [0, 1, 2, 3, 4]
    kept = korean_output_tokens(list(vocab), {"</s>", "<unk>"})
    assert len(kept) + 1 == round(share * 128112)  # + the Korean language token
    assert "▁Séoul" not in kept and "서울" in kept


def test_the_built_m2m100_tokenizer_has_the_real_language_ids(tmp_path: Path) -> None:
    from transformers import AutoConfig, AutoTokenizer

    texts = [d.text for d in bp.candidate_dispatches()]
    directory = bp.build_m2m100_418m(tmp_path / "m2m", texts, 0.25, architecture=TINY_M2M100)
    tokenizer = AutoTokenizer.from_pretrained(str(directory))
    assert AutoConfig.from_pretrained(str(directory)).vocab_size == TINY_VOCAB
    entries = TINY_VOCAB - 108
    # As in the published tokenizer: __en__, __fr__ and __ko__ are the 19th, 25th and 49th languages.
    assert [tokenizer.get_lang_id(lang) for lang in ("af", "en", "fr", "ko", "zu")] == [
        entries,
        entries + 18,
        entries + 24,
        entries + 48,
        entries + 99,
    ]
    tokenizer.src_lang = "fr"
    ids = tokenizer(segment(texts[0])[0].text)["input_ids"]
    assert ids[0] == tokenizer.get_lang_id("fr") and ids[-1] == 2
    assert tokenizer.unk_token_id not in ids
    assert bp.kept_tokens(directory) == round(0.25 * TINY_VOCAB)


def _round_trip(tokenizer: Any, ids: list[int]) -> list[int]:
    return list(tokenizer(text_target=tokenizer.decode(ids), add_special_tokens=False)["input_ids"])


def _fillers_of_each_length(vocab: dict[str, int], patterns: tuple[str, ...]) -> list[str]:
    """The vocabulary's first filler of each number of digits, for each filler pattern ("▁k5",
    "▁k17", "▁k300"): how many fillers a vocabulary holds depends on the texts it was trained on."""
    found: dict[tuple[str, int], str] = {}
    for pattern in patterns:
        prefix = pattern.format("")
        for token in sorted(vocab, key=vocab.__getitem__):
            digits = token.removeprefix(prefix)
            if token.startswith(prefix) and digits.isdigit():
                found.setdefault((pattern, len(digits)), token)
    return list(found.values())


def test_output_of_fillers_encodes_back_into_the_same_pieces(tmp_path: Path) -> None:
    """A random model mostly outputs the vocabulary's fillers; decoded and encoded again (as the
    service aligns a translation), they must give back as many pieces as were generated, as a
    trained model's output does, or alignment would cost several times its real cost."""
    from transformers import AutoTokenizer

    texts = [d.text for d in bp.candidate_dispatches()]
    m2m = AutoTokenizer.from_pretrained(
        str(bp.build_m2m100_418m(tmp_path / "m2m", texts, 0.25, architecture=TINY_M2M100))
    )
    m2m.tgt_lang = "ko"
    (tmp_path / "marian").mkdir()
    bp.write_opus_mt_tokenizer(tmp_path / "marian", texts)
    marian = AutoTokenizer.from_pretrained(str(tmp_path / "marian"))
    for tokenizer, patterns in ((m2m, (bp.KEPT_FILLER, bp.LEFT_OUT_FILLER)), (marian, (MARIAN_FILLER,))):
        vocab = tokenizer.get_vocab()
        fillers = _fillers_of_each_length(vocab, patterns)
        assert len(fillers) >= 3 * len(patterns), fillers
        words = [vocab[word] for word in ("▁Séoul", "▁le")]
        ids = [vocab[filler] for filler in fillers] + words + [vocab[fillers[0]]]
        assert _round_trip(tokenizer, ids) == ids
    # French text encodes as before the fillers were added: none of them is in it.
    french = segment(texts[0])[0].text
    plain = bp.train_sentencepiece(texts)
    import sentencepiece as spm

    assert marian.convert_ids_to_tokens(marian(french)["input_ids"])[:-1] == spm.SentencePieceProcessor(
        model_proto=plain
    ).encode(french, out_type=str)


def test_dispatches_are_the_projects_own_and_drawn_with_the_seed() -> None:
    candidates = bp.candidate_dispatches()
    assert len(candidates) > 50
    assert all(150 <= d.words <= 400 for d in candidates)
    assert candidates[0].id == "dispatch-ue-espace"
    assert any(d.id.startswith("yonhap-fr/") for d in candidates)
    first = bp.pick_dispatches(5, seed=0)
    assert first == bp.pick_dispatches(5, seed=0) != bp.pick_dispatches(5, seed=1)
    assert len({d.id for d in first}) == 5
    with pytest.raises(MtsError, match="--dispatches must be between 1 and"):
        bp.pick_dispatches(len(candidates) + 1, seed=0)


def test_batches_follow_the_services_token_budget() -> None:
    # Longest first; a batch closes when its longest × its size would pass the budget.
    assert bp.budget_batches([10, 50, 30, 40], 100) == [[1, 3], [2, 0]]
    assert bp.budget_batches([60], 10) == [[0]]
    assert bp.forced_length(10) == 12 and bp.forced_length(11) == 14 and bp.forced_length(1) == 2


def _tiny_marian(directory: Path, texts: Sequence[str]) -> Path:
    # Positions for a whole dispatch sentence in the tiny tokenizer's many pieces: stock generate,
    # unlike the service, does not chunk.
    return build_marian(directory, max_positions=512)


@pytest.mark.slow
def test_report_measures_the_service_both_baselines_and_the_korean_restriction() -> None:
    config = bp.PipelineBenchConfig(dispatches=2, beams=2, kept_shares=(0.25, 0.5))
    builders = bp.Builders(
        fr_en=_tiny_marian,
        fr_ko=functools.partial(bp.build_m2m100_418m, architecture=TINY_M2M100),
    )
    report = bp.run_pipeline_bench(config, builders=builders)
    assert set(report) == {
        "device",
        "config",
        "dispatches",
        "source_tokens_per_word",
        "fr_ko_kept_tokens",
        "service",
        "baselines",
        "ratios",
        "korean_vocabulary",
        "targets",
    }
    assert len(report["dispatches"]) == 2 and all(150 <= d["words"] <= 400 for d in report["dispatches"])
    service, baselines = report["service"], report["baselines"]
    assert service["backend"] == "ctranslate2-int8"
    assert set(service["stages_s"]) == {"translate_en", "translate_ko", "summarize"}
    for name, figures in [("service", service), *baselines.items()]:
        assert figures["dispatches_per_min"] > 0, name
        assert 0 < figures["p50_s"] <= figures["p95_s"], name
        assert figures["peak_rss_mb"] > 50, name
        assert figures["output_tokens"] > 0, name
    # Each sentence alone runs to its own length; in a batch, to the batch's longest one's.
    assert baselines["sentence_by_sentence"]["output_tokens"] < baselines["batched_generate"]["output_tokens"]
    for name, ratio in report["ratios"].items():
        expected = service["dispatches_per_min"] / baselines[name]["dispatches_per_min"]
        assert ratio == pytest.approx(expected, abs=0.01), name
    sweep = report["korean_vocabulary"]
    assert sweep["vocab_size"] == TINY_VOCAB
    assert [row["kept_tokens"] for row in sweep["restricted"]] == [
        round(0.25 * TINY_VOCAB),
        round(0.5 * TINY_VOCAB),
    ]
    assert report["fr_ko_kept_tokens"] == round(0.5 * TINY_VOCAB)  # the pipeline runs the largest share
    for row in sweep["restricted"]:
        assert row["ratio"] == pytest.approx(
            row["tokens_per_s"] / sweep["unrestricted"]["tokens_per_s"], abs=0.01
        )
        # The same sentences at the same forced lengths: the same work with and without.
        assert row["output_tokens"] == sweep["unrestricted"]["output_tokens"]
    streaming = service["streaming"]
    assert 0 < streaming["first_sentence_p50_s"] < streaming["whole_p50_s"]
    assert 0 < streaming["first_over_whole_p50"] <= streaming["first_over_whole_max"] < 1
    assert len(report["targets"]) == 6
    for target in report["targets"]:
        sign, goal = target["goal"].split()
        assert target["met"] == (
            target["measured"] < float(goal) if sign == "<" else target["measured"] >= float(goal)
        )
    json.dumps(report)
    table = bp.format_pipeline_table(report)
    for needle in (
        "service (Pipeline.process)",
        "stock generate, batched",
        f"{round(0.25 * TINY_VOCAB):,}",
        "first sentence after",
        "targets:",
    ):
        assert needle in table


def test_cli_pipeline_without_a_gpu_is_a_one_line_error() -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("a CUDA device is available here")
    assert_one_line_error(run("bench", "--pipeline", "--device", "cuda"), "no CUDA device")


def test_cli_pipeline_refuses_more_dispatches_than_there_are() -> None:
    assert_one_line_error(run("bench", "--pipeline", "--dispatches", "100000"), "--dispatches must be")


def test_cli_pipeline_refuses_the_engine_benchmarks_options() -> None:
    answer = run("bench", "--pipeline", "--batch", "8", "--latency-runs", "3")
    assert_one_line_error(answer, "--batch, --latency-runs: not used with --pipeline")
