"""Benchmark of a large stored glossary through the HTTP API (in process): the upload, the first
request that uses it (it reads and compiles the glossary), and the latency of translate requests
with ``glossary_id`` against the same requests without it, same run, same model. It prints figures
and asserts nothing.

``python -m service.glossaries.bench --model PATH [--entries 50000] [--runs 20] [--json]``
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

FAMILY = (
    ("Kim", "김"), ("Lee", "이"), ("Park", "박"), ("Choi", "최"), ("Jung", "정"), ("Kang", "강"),
    ("Cho", "조"), ("Yoon", "윤"), ("Jang", "장"), ("Lim", "임"), ("Han", "한"), ("Oh", "오"),
    ("Seo", "서"), ("Shin", "신"), ("Kwon", "권"), ("Hwang", "황"), ("Ahn", "안"), ("Song", "송"),
    ("Yoo", "유"), ("Hong", "홍"),
)  # fmt: skip
SYLLABLES = (
    ("min", "민"), ("seok", "석"), ("ji", "지"), ("hoon", "훈"), ("young", "영"), ("soo", "수"),
    ("hyun", "현"), ("woo", "우"), ("jin", "진"), ("ho", "호"), ("sung", "성"), ("eun", "은"),
    ("kyung", "경"), ("tae", "태"), ("jae", "재"), ("dong", "동"), ("hee", "희"), ("sang", "상"),
    ("yeon", "연"), ("chul", "철"), ("won", "원"), ("joon", "준"), ("seung", "승"), ("hye", "혜"),
    ("mi", "미"), ("bin", "빈"), ("gyu", "규"), ("na", "나"), ("ra", "라"), ("yul", "율"),
    ("han", "한"), ("il", "일"), ("beom", "범"), ("chan", "찬"), ("do", "도"), ("gun", "건"),
    ("hwan", "환"), ("kwang", "광"), ("nam", "남"), ("rim", "림"),
)  # fmt: skip
SAMPLE = "Le ministre {name} a rencontré mercredi à Séoul ses homologues pour parler de sécurité."


def generated_tsv(count: int) -> tuple[str, list[str]]:
    """A TSV glossary of ``count`` distinct person names ("Kim Min-seok", "김민석"; once the
    combinations run out, "Kim Min-seok Centre 32000") and their French forms."""
    combos = list(itertools.product(FAMILY, SYLLABLES, SYLLABLES))
    rows = ["kind\tfr\ten\tko"]
    names: list[str] = []
    for index in range(count):
        (family, family_ko), (first, first_ko), (second, second_ko) = combos[index % len(combos)]
        name, korean = f"{family} {first.capitalize()}-{second}", f"{family_ko}{first_ko}{second_ko}"
        if index >= len(combos):
            name, korean = f"{name} Centre {index}", f"{korean} 센터 {index}"
        rows.append(f"person\t{name}\t{name}\t{korean}")
        names.append(name)
    return "\n".join(rows) + "\n", names


def run(model: Path, entries: int = 50_000, runs: int = 20) -> dict[str, Any]:
    """Figures in seconds: upload, first request with the glossary, and request latencies."""
    from fastapi.testclient import TestClient

    from service.api.app import create_app
    from service.config import Settings

    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            model_fr_en=str(model),
            model_fr_ko=str(model),
            num_beams=1,
            device="cpu",
            glossaries_path=Path(folder) / "glossaries.sqlite3",
            documents_path=Path(folder) / "documents",
            glossary_max_bytes=64 * 1024 * 1024,
        )
        with TestClient(create_app(settings)) as client:
            deadline = time.monotonic() + 300
            while client.get("/readyz").status_code != 200:
                if time.monotonic() > deadline:
                    raise SystemExit(f"the service did not get ready: {client.get('/readyz').text}")
                time.sleep(0.2)
            tsv, names = generated_tsv(entries)
            started = time.perf_counter()
            answer = client.post("/v1/glossaries", json={"name": "bench", "entries_tsv": tsv})
            upload_s = time.perf_counter() - started
            if answer.status_code != 201:
                raise SystemExit(f"upload failed: {answer.status_code} {answer.text}")
            glossary_id = answer.json()["id"]
            texts = [SAMPLE.format(name=names[(i * 7919) % len(names)]) for i in range(runs)]

            def timed(body: dict[str, Any]) -> float:
                started = time.perf_counter()
                reply = client.post("/v1/translate", json=body)
                elapsed = time.perf_counter() - started
                if reply.status_code != 200:
                    raise SystemExit(f"translate failed: {reply.status_code} {reply.text}")
                return elapsed

            timed({"text": texts[0], "target": "en"})  # warm the route
            first_s = timed({"text": texts[0], "target": "en", "glossary_id": glossary_id})
            without, with_id = [], []
            for text in texts:  # interleaved, so both see the same machine load
                without.append(timed({"text": text, "target": "en"}))
                with_id.append(timed({"text": text, "target": "en", "glossary_id": glossary_id}))
    median_without, median_with = statistics.median(without), statistics.median(with_id)
    return {
        "entries": entries,
        "upload_bytes": len(tsv.encode("utf-8")),
        "upload_s": round(upload_s, 3),
        "first_request_with_glossary_s": round(first_s, 3),
        "runs": runs,
        "median_without_s": round(median_without, 4),
        "median_with_s": round(median_with, 4),
        "ratio": round(median_with / median_without, 2),
    }


def main(argv: list[str] | None = None) -> None:
    """The command line: prints the figures as a table or JSON."""
    parser = argparse.ArgumentParser(prog="python -m service.glossaries.bench", description=__doc__)
    parser.add_argument("--model", type=Path, required=True, help="A local fr→en model folder.")
    parser.add_argument("--entries", type=int, default=50_000, help="Entries of the generated glossary.")
    parser.add_argument("--runs", type=int, default=20, help="Requests with and without it.")
    parser.add_argument("--json", action="store_true", help="Print JSON.")
    args = parser.parse_args(argv)
    if not args.model.is_dir():
        parser.error(f"--model {args.model}: not a folder")
    figures = run(args.model, max(1, args.entries), max(1, args.runs))
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    for key, value in figures.items():
        print(f"{key:32} {value}")


if __name__ == "__main__":
    main()
