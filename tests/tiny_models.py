"""Tiny but real seq2seq translation models, built at test time.

Each is a SentencePiece model trained in a fraction of a second on a few sentences plus a
one-layer, d_model 16 config, saved with ``save_pretrained`` and loaded back by the service
through the same code path as a real model. Their output is gibberish: tests assert structure,
never translation quality.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path
from typing import Any, Literal

import sentencepiece as spm

FRENCH = [
    "Le ministre des Affaires étrangères Cho Tae-yul a rencontré son homologue à Séoul mardi.",
    "La Corée du Nord a tiré un missile balistique vers la mer de l'Est, a annoncé l'état-major.",
    "Le taux de chômage a atteint 2,5 % en mars, selon l'office national des statistiques.",
    "Les exportations ont augmenté de 3.000 milliards de wons au premier trimestre 2025.",
    "«Nous devons agir vite», a déclaré le porte-parole du ministère de l'Unification.",
    "La Corée du Sud et l'Union européenne ont tenu leur premier dialogue sur la sécurité spatiale.",
    "Photo : YONHAP News. BRUXELLES, 12 mars (Yonhap) -- Une trentaine d'experts y ont participé.",
    "Le président Yoon Suk Yeol s'est rendu à Pyongyang, à Busan et à Incheon en 2024.",
]
ENGLISH = [
    "Foreign Minister Cho Tae-yul met his counterpart in Seoul on Tuesday.",
    "North Korea fired a ballistic missile into the East Sea, the Joint Chiefs of Staff said.",
    "The unemployment rate reached 2.5% in March, according to the national statistics office.",
    "Exports rose by 3,000 billion won in the first quarter of 2025.",
    '"We must act quickly," said the spokesperson of the Unification Ministry.',
    "South Korea and the European Union held their first dialogue on space security.",
]
KOREAN = [
    "조태열 외교부 장관은 화요일 서울에서 상대국 장관을 만났다.",
    "북한이 동해상으로 탄도미사일을 발사했다고 합참이 밝혔다.",
    "실업률은 3월에 2.5%에 달했다고 통계청이 밝혔다.",
    "1분기 수출은 3조 원 증가했다.",
    "한국과 유럽연합은 첫 우주안보 대화를 개최했다.",
]


def _train_spm(lines: list[str], vocab_size: int) -> bytes:
    buffer = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines * 3),
        model_writer=buffer,
        vocab_size=vocab_size,
        model_type="unigram",
        character_coverage=1.0,
        hard_vocab_limit=False,
        minloglevel=2,
    )
    return buffer.getvalue()


def _pieces(model: bytes) -> list[str]:
    processor = spm.SentencePieceProcessor(model_proto=model)
    return [processor.id_to_piece(i) for i in range(processor.get_piece_size())]


def build_marian(
    directory: Path, *, broken_vocab: bool = False, max_positions: int = 128, eos_bias: float = 0.0
) -> Path:
    """A tiny fr→en Marian model; ``broken_vocab`` builds it with the target vocabulary only.

    ``eos_bias`` raises the end-of-sentence logit so outputs end after a few tokens: random
    weights otherwise run every sentence to its length bound (and its retry), which is what
    the guards expect of a broken model but makes large batch tests slow.

    The broken variant reproduces the published defect of a Marian export whose vocab.json is
    the target side's: most source pieces have no id and reach the encoder as <unk>.
    """
    import torch
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    directory.mkdir(parents=True, exist_ok=True)
    source, target = _train_spm(FRENCH, 150), _train_spm(ENGLISH + KOREAN, 150)
    (directory / "source.spm").write_bytes(source)
    (directory / "target.spm").write_bytes(target)
    # As in the published opus-mt exports, <pad> (the decoder start token) is the last id.
    vocab: dict[str, int] = {"</s>": 0, "<unk>": 1}
    for piece in _pieces(target) if broken_vocab else _pieces(source) + _pieces(target):
        vocab.setdefault(piece, len(vocab))
    vocab.setdefault("<pad>", len(vocab))
    (directory / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    tokenizer = MarianTokenizer(
        source_spm=str(directory / "source.spm"),
        target_spm=str(directory / "target.spm"),
        vocab=str(directory / "vocab.json"),
        source_lang="fr",
        target_lang="en",
        model_max_length=max_positions,
    )
    config = MarianConfig(
        vocab_size=len(vocab),
        d_model=16,
        encoder_layers=1,
        decoder_layers=1,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=32,
        decoder_ffn_dim=32,
        max_position_embeddings=max_positions,
        pad_token_id=vocab["<pad>"],
        eos_token_id=vocab["</s>"],
        decoder_start_token_id=vocab["<pad>"],
        forced_eos_token_id=vocab["</s>"],
    )
    torch.manual_seed(0)
    model = MarianMTModel(config)
    with torch.no_grad():
        # Marian starts decoding from a zero embedding: trained exports hold zeros for <pad>.
        model.get_input_embeddings().weight[vocab["<pad>"]] = 0.0
        if eos_bias:
            model.final_logits_bias[0, vocab["</s>"]] = eos_bias
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


# Short fr→en pairs that build_decisive_marian learns by heart (their words are in FRENCH/ENGLISH).
DECISIVE_PAIRS = (
    ("Séoul", "Seoul"),
    ("Bruxelles", "Brussels"),
    ("Pyongyang", "Pyongyang"),
    ("Busan et Incheon", "Busan and Incheon"),
)


def build_decisive_marian(
    directory: Path, *, pairs: tuple[tuple[str, str], ...] = DECISIVE_PAIRS, steps: int = 200
) -> Path:
    """build_marian's model trained (seconds) to output each pair's English for its French.

    Its greedy decisions are far from ties (a margin of logits to measure, not assume), unlike a
    random model's, and they depend on the source. It is also kept int8-safe on any x86-64 CPU:
    without AVX-512 VNNI, int8 GEMMs add the products of two adjacent inputs (columns 2j and 2j+1)
    in 16 bits (``vpmaddubsw``), which saturates when both are large and of one sign. The inputs are
    the unsigned side (CTranslate2 shifts activations by 128), so training keeps the two weights of
    each such pair of opposite signs, or one of them at zero, in every matrix CTranslate2 quantizes
    (the embeddings, tied to the output projection, included): such a pair cannot saturate, the int8
    results are exact integer arithmetic on every CPU and differ from float32 by rounding only.
    """
    import torch
    from transformers import MarianMTModel, MarianTokenizer

    build_marian(directory)
    tokenizer = MarianTokenizer.from_pretrained(directory)
    model = MarianMTModel.from_pretrained(directory)
    batch = tokenizer(
        [fr for fr, _ in pairs], text_target=[en for _, en in pairs], padding=True, return_tensors="pt"
    )
    labels = batch["labels"].masked_fill(batch["labels"] == tokenizer.pad_token_id, -100)
    pad = model.config.pad_token_id
    linears = [module.weight for module in model.modules() if isinstance(module, torch.nn.Linear)]
    embeddings = model.get_input_embeddings().weight  # tied to lm_head

    def constrain() -> None:
        with torch.no_grad():
            for weight in [*linears, embeddings]:
                pairs_of_inputs = weight.view(weight.shape[0], -1, 2)
                first, second = pairs_of_inputs.unbind(-1)
                same_sign = first * second > 0
                first_smaller = first.abs() < second.abs()
                first[same_sign & first_smaller] = 0.0
                second[same_sign & ~first_smaller] = 0.0
            embeddings[pad] = 0.0  # Marian decodes from a zero embedding, as CTranslate2 does

    for module in model.modules():
        if isinstance(module, torch.nn.Dropout):
            module.p = 0.0
    # The sinusoidal position tables are not saved: training them would change the model on reload.
    parameters = [p for name, p in model.named_parameters() if "embed_positions" not in name]
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a model this small trains faster on one thread
    try:
        torch.manual_seed(0)
        optimizer = torch.optim.Adam(parameters, lr=0.02)
        constrain()
        model.train()
        for _ in range(steps):
            loss = model(
                input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], labels=labels
            ).loss
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            constrain()
    finally:
        torch.set_num_threads(threads)
    model.eval()
    model.save_pretrained(directory)
    return directory


def build_m2m100(directory: Path, *, max_positions: int = 128) -> Path:
    """A tiny multilingual M2M100 model (fr, en, ko among its language tokens)."""
    import torch
    from transformers import M2M100Config, M2M100ForConditionalGeneration, M2M100Tokenizer

    directory.mkdir(parents=True, exist_ok=True)
    model = _train_spm(FRENCH + ENGLISH + KOREAN, 300)
    (directory / "sentencepiece.bpe.model").write_bytes(model)
    vocab: dict[str, int] = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
    for piece in _pieces(model):
        vocab.setdefault(piece, len(vocab))
    (directory / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    tokenizer = M2M100Tokenizer(
        vocab_file=str(directory / "vocab.json"),
        spm_file=str(directory / "sentencepiece.bpe.model"),
        src_lang="fr",
        tgt_lang="ko",
        model_max_length=max_positions,
    )
    # Language tokens follow the SentencePiece vocabulary, then a few "madeup" words.
    vocab_size = max(tokenizer.get_lang_id(code) for code in ("fr", "en", "ko", "zu")) + 1 + 8
    config = M2M100Config(
        vocab_size=vocab_size,
        d_model=16,
        encoder_layers=1,
        decoder_layers=1,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=32,
        decoder_ffn_dim=32,
        max_position_embeddings=max_positions,
        pad_token_id=1,
        bos_token_id=0,
        eos_token_id=2,
        decoder_start_token_id=2,
    )
    torch.manual_seed(0)
    M2M100ForConditionalGeneration(config).save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


def _byte_level_bpe(lines: list[str], special: list[str], vocab_size: int = 400) -> object:
    from tokenizers import ByteLevelBPETokenizer

    tokenizer = ByteLevelBPETokenizer()
    tokenizer.train_from_iterator(
        lines * 3, vocab_size=vocab_size, special_tokens=special, show_progress=False
    )
    return tokenizer


def build_bart(directory: Path, *, max_positions: int = 256) -> Path:
    """A tiny BART summarization model (the family of distilbart-cnn)."""
    import torch
    from transformers import BartConfig, BartForConditionalGeneration, BartTokenizer

    directory.mkdir(parents=True, exist_ok=True)
    bpe = _byte_level_bpe(ENGLISH + FRENCH, ["<s>", "<pad>", "</s>", "<unk>", "<mask>"])
    bpe.save_model(str(directory))  # type: ignore[attr-defined]
    vocab = json.loads((directory / "vocab.json").read_text(encoding="utf-8"))
    merges = [
        tuple(line.split())
        for line in (directory / "merges.txt").read_text(encoding="utf-8").splitlines()[1:]
        if line.strip()
    ]
    tokenizer = BartTokenizer(vocab=vocab, merges=merges, model_max_length=max_positions)
    config = BartConfig(
        vocab_size=len(tokenizer),
        d_model=16,
        encoder_layers=1,
        decoder_layers=1,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=32,
        decoder_ffn_dim=32,
        max_position_embeddings=max_positions,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        decoder_start_token_id=tokenizer.eos_token_id,
        forced_bos_token_id=tokenizer.bos_token_id,
    )
    torch.manual_seed(0)
    BartForConditionalGeneration(config).save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


CHAT_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def build_causal_lm(directory: Path, *, chat_template: bool = True) -> Path:
    """A tiny Qwen2-architecture causal LM with a ChatML chat template (random weights)."""
    import torch
    from transformers import PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM

    directory.mkdir(parents=True, exist_ok=True)
    bpe = _byte_level_bpe(FRENCH + ENGLISH + KOREAN, ["<|endoftext|>", "<|im_start|>", "<|im_end|>"])
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=bpe._tokenizer,  # type: ignore[attr-defined]
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        model_max_length=8192,
    )
    if chat_template:
        tokenizer.chat_template = CHAT_TEMPLATE
    config = Qwen2Config(
        vocab_size=len(tokenizer),
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=1,
        max_position_embeddings=8192,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        tie_word_embeddings=True,
    )
    torch.manual_seed(0)
    Qwen2ForCausalLM(config).save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


# A tiny Marian whose cross-attention is built to attend by position (word alignment tests): token
# and sublayer weights are zero, so every hidden state the cross-attention sees is the layer norm of
# its sinusoidal position embedding, x_p = LN(PE(p)); all x_p have the same norm (sqrt(d_model)), so
# x_q · x_p peaks at p = q (Cauchy-Schwarz). Each decoder layer's query projection is the linear map
# M with M x_i = x_π(i) (exact: the x_p are linearly independent) and its key projection the
# identity, so decoder position i attends to source position π(i). With one piece per word, target
# word i then aligns with source word π(i).
# Positions the construction controls: every source and target token of the tests below.
POSITIONS = 8
# Wider than the other tiny models: with 8 positions in 64 dimensions the position states are
# well-conditioned enough for the exact query map below (in 16, the slow sinusoids are near-constant).
D_MODEL = 64


def build_attending_marian(directory: Path, tiny_marian: Path, permutations: list[list[int]]) -> Path:
    """A copy of the tiny Marian (its tokenizer) with a one-head model whose decoder layer k's
    cross-attention takes decoder position i to source position permutations[k][i] (see the
    module docstring)."""
    import torch
    from transformers import MarianConfig, MarianMTModel

    shutil.copytree(tiny_marian, directory)
    config = MarianConfig.from_pretrained(directory)
    config.decoder_layers = len(permutations)
    config.encoder_attention_heads = config.decoder_attention_heads = 1
    config.d_model = D_MODEL
    torch.manual_seed(0)
    model = MarianMTModel(config).eval()
    d_model = config.d_model
    with torch.no_grad():
        # Token embeddings (shared with the output projection); the position tables stay.
        for embedding in (model.model.encoder.embed_tokens, model.model.decoder.embed_tokens, model.lm_head):
            embedding.weight.zero_()
        for module in model.modules():
            if isinstance(module, torch.nn.LayerNorm):
                module.weight.fill_(1.0)
                module.bias.zero_()
        zeroed = []
        for layer in model.model.encoder.layers:
            zeroed += [layer.self_attn.out_proj, layer.fc2]
        for layer in model.model.decoder.layers:
            zeroed += [layer.self_attn.out_proj, layer.encoder_attn.out_proj, layer.fc2]
        for linear in zeroed:
            linear.weight.zero_()
            linear.bias.zero_()
        table = model.model.encoder.embed_positions.weight[:POSITIONS].double()
        assert torch.equal(table, model.model.decoder.embed_positions.weight[:POSITIONS].double())
        states = torch.nn.functional.layer_norm(table, (d_model,), eps=1e-5).T  # (d_model, positions)
        for layer, permutation in zip(model.model.decoder.layers, permutations, strict=True):
            order = permutation + list(range(len(permutation), POSITIONS))
            query = states[:, order] @ torch.linalg.pinv(states)
            # What the construction promises, checked: decoder position i attends most to order[i].
            scores = (query @ states).T @ states
            assert scores.argmax(dim=1).tolist() == order
            layer.encoder_attn.q_proj.weight.copy_(query.float())
            layer.encoder_attn.q_proj.bias.zero_()
            layer.encoder_attn.k_proj.weight.copy_(torch.eye(d_model))
            layer.encoder_attn.k_proj.bias.zero_()
    model.save_pretrained(directory)
    return directory


def single_pieces(translator: Any, *, target: bool, count: int) -> list[str]:
    """``count`` words that the tokenizer keeps as one piece (source or target side), taken from
    its vocabulary (the tiny SentencePiece models know few whole words)."""
    found = []
    for token in sorted(translator.tokenizer.get_vocab()):
        word = token[1:]
        if not token.startswith("\u2581") or not word.isalpha() or word in found:
            continue
        if target:
            pieces = translator.tokenizer(text_target=word, add_special_tokens=False)["input_ids"]
        else:
            pieces = translator.tokenizer(word, add_special_tokens=False)["input_ids"]
        if len(pieces) == 1:
            found.append(word)
    assert len(found) >= count, f"too few single-piece words: {found}"
    return found[:count]


def seq2seq_translator(
    backend: str, path: Path, models_dir: Path, family: Literal["marian", "m2m100"] = "marian"
) -> Any:
    """The service's engine over a tiny model directory: ``torch`` (transformers) or
    ``ctranslate2`` (converted into ``models_dir``, float32 so results match on any CPU), beam 2."""
    from service.models.info import ModelInfo
    from service.translation.ct2 import CT2Translator
    from service.translation.hf import HFSeq2SeqTranslator

    info = ModelInfo(f"tiny/{path.name}", "local")
    if backend == "torch":
        return HFSeq2SeqTranslator(path, info, family, device="cpu", num_beams=2)
    return CT2Translator(
        path, info, family, models_dir=models_dir, device="cpu", compute_type="float32", num_beams=2
    )
