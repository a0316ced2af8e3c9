"""The torch backend: Hugging Face seq2seq models (Marian, M2M100, NLLB) through ``generate``.

On CPU it runs in float32. On a GPU it runs in bfloat16 (float16 where bfloat16 is not
supported) with a token budget four times the CPU one, since a GPU is only busy with large batches.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from service.models.families import Family
from service.models.loading import load_weights, pick_device, set_cpu_threads
from service.translation.base import ModelInfo
from service.translation.seq2seq import (
    ALIGNMENT_HEAD,
    ALIGNMENT_LAYER,
    AttentionMatrix,
    Decoding,
    Generated,
    Seq2SeqTranslator,
)

GPU_BATCH_FACTOR = 4


def gpu_dtype() -> str:
    """bfloat16 where the GPU supports it, else float16."""
    import torch

    return "bfloat16" if torch.cuda.is_bf16_supported() else "float16"


class HFSeq2SeqTranslator(Seq2SeqTranslator):
    """Translation through ``transformers`` ``generate`` with the shared guards."""

    def __init__(
        self,
        path: Path,
        info: ModelInfo,
        family: Family,
        *,
        device: str = "auto",
        num_beams: int = 4,
        batch_tokens: int = 2048,
        threads: int = 0,
        restrict_korean: bool = True,
        route_beams: Mapping[tuple[str, str], int] | None = None,
        route_batch_tokens: Mapping[tuple[str, str], int] | None = None,
    ) -> None:
        import torch

        self.device = pick_device(device)
        on_gpu = self.device.startswith("cuda")
        factor = GPU_BATCH_FACTOR if on_gpu else 1
        super().__init__(
            path,
            info,
            family,
            num_beams=num_beams,
            batch_tokens=batch_tokens * factor,
            restrict_korean=restrict_korean,
            route_beams=route_beams,
            route_batch_tokens={
                route: tokens * factor for route, tokens in (route_batch_tokens or {}).items()
            },
        )
        if not on_gpu:
            set_cpu_threads(threads)
        dtype = gpu_dtype() if on_gpu else "float32"
        self.model = load_weights(path, info, "seq2seq", self.device, dtype=dtype)
        self.backend = f"torch-{dtype}"
        self._torch = torch

    def generate_ids(self, inputs: list[list[int]], decoding: Decoding) -> list[Generated]:
        """Pad the batch, run ``generate`` and return each sequence with its token log-probs."""
        return [hypotheses[0] for hypotheses in self.generate_n_ids(inputs, replace(decoding, hypotheses=1))]

    def generate_n_ids(self, inputs: list[list[int]], decoding: Decoding) -> list[list[Generated]]:
        """``generate`` with ``num_return_sequences``: each input's hypotheses, best first, each with
        its token log-probs."""
        torch = self._torch
        input_ids, mask = self._padded(inputs)
        kwargs: dict[str, Any] = {
            "num_beams": decoding.num_beams,
            "num_return_sequences": decoding.hypotheses,
            "no_repeat_ngram_size": decoding.no_repeat_ngram_size,
            "max_new_tokens": decoding.max_new_tokens,
            "min_new_tokens": decoding.min_new_tokens,
            "max_length": None,
            "early_stopping": decoding.num_beams > 1,
            # A forced end token at the length bound would hide that the model never ended.
            "forced_eos_token_id": None,
        }
        if decoding.repetition_penalty != 1.0:
            kwargs["repetition_penalty"] = decoding.repetition_penalty
        if decoding.forced_token is not None:
            kwargs["forced_bos_token_id"] = self.tokenizer.convert_tokens_to_ids(decoding.forced_token)
        excluded = self.excluded_from_korean if self.restricts_output(decoding) else []
        if excluded:
            kwargs["suppress_tokens"] = excluded
        with torch.inference_mode():
            sequences = self.model.generate(input_ids=input_ids, attention_mask=mask, **kwargs)
            # Token log-probabilities from one teacher-forced pass over the result: keeping the
            # scores of every decoding step instead would hold a vocabulary-sized row per step and
            # hypothesis, which costs more memory and time than the pass.
            repeat = decoding.hypotheses
            logits = self.model(
                input_ids=input_ids.repeat_interleave(repeat, dim=0),
                attention_mask=mask.repeat_interleave(repeat, dim=0),
                decoder_input_ids=sequences[:, :-1],
            ).logits.float()
            if excluded:
                # Scored over the tokens decoding could choose from, as CTranslate2's map does.
                logits[..., torch.tensor(excluded, dtype=torch.long)] = float("-inf")
            logprobs = torch.log_softmax(logits, dim=-1)
            scores = logprobs.gather(-1, sequences[:, 1:].unsqueeze(-1)).squeeze(-1)
        # Position 0 of each sequence is the decoder start token.
        flat = [
            Generated(seq[1:], seq_scores)
            for seq, seq_scores in zip(sequences.tolist(), scores.tolist(), strict=True)
        ]
        return [flat[row * repeat : (row + 1) * repeat] for row in range(len(inputs))]

    def attention(self, inputs: list[list[int]], targets: list[list[int]]) -> list[AttentionMatrix]:
        """One teacher-forced pass with ``output_attentions`` (which needs the eager attention
        implementation: the model switches to it for the pass and back)."""
        torch = self._torch
        input_ids, mask = self._padded(inputs)
        start = int(self.model.config.decoder_start_token_id)
        decoder_ids = torch.full((len(targets), max(len(t) for t in targets)), self.pad_id, dtype=torch.long)
        for row, target in enumerate(targets):
            # Row i of the result is the step that predicts target[i] from the tokens before it.
            decoder_ids[row, : len(target)] = torch.tensor([start, *target[:-1]], dtype=torch.long)
        implementation = self.model.config._attn_implementation
        self.model.set_attn_implementation("eager")
        try:
            with torch.inference_mode():
                output = self.model(
                    input_ids=input_ids,
                    attention_mask=mask,
                    decoder_input_ids=decoder_ids.to(self.device),
                    output_attentions=True,
                )
        finally:
            self.model.set_attn_implementation(implementation)
        # (batch, heads, target, source) → (batch, target, source)
        chosen = output.cross_attentions[ALIGNMENT_LAYER][:, ALIGNMENT_HEAD].float().cpu()
        return [
            chosen[row, : len(target), : len(ids)].tolist()
            for row, (ids, target) in enumerate(zip(inputs, targets, strict=True))
        ]

    def _padded(self, inputs: list[list[int]]) -> tuple[Any, Any]:
        """The batch as right-padded input ids and attention mask, on the model's device."""
        torch = self._torch
        width = max(len(ids) for ids in inputs)
        input_ids = torch.full((len(inputs), width), self.pad_id, dtype=torch.long)
        mask = torch.zeros((len(inputs), width), dtype=torch.long)
        for row, ids in enumerate(inputs):
            input_ids[row, : len(ids)] = torch.tensor(ids, dtype=torch.long)
            mask[row, : len(ids)] = 1
        return input_ids.to(self.device), mask.to(self.device)
