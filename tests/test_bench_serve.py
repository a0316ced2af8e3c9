"""``mts bench --serve``: the requests it sends, the two servers it starts, the report it prints (end
to end on tiny models, to stay fast)."""

from __future__ import annotations

import functools
import json

import pytest
from test_bench_pipeline import TINY_M2M100, _tiny_marian
from test_cli import assert_one_line_error, run

from service import bench_pipeline as bp
from service import bench_serve as bs
from service.text.segment import segment


def test_requests_are_dispatch_leads_drawn_with_the_seed() -> None:
    config = bs.ServeBenchConfig(clients=4, requests=2, sentences=3)
    texts = bs.request_texts(config)
    assert len(texts) == 8 and texts == bs.request_texts(config)
    assert all(len(segment(text)) == 3 for text in texts)
    leads = {d.text[: len(t)] for d in bp.candidate_dispatches() for t in texts if d.text.startswith(t)}
    assert len(leads) == len(set(texts))  # each text is the start of one of the project's dispatches
    whole = bs.request_texts(bs.ServeBenchConfig(clients=2, sentences=0))
    assert all(150 <= len(text.split()) <= 400 for text in whole)
    # More requests than dispatches: drawn again with the next seeds.
    many = bs.request_texts(bs.ServeBenchConfig(clients=len(bp.candidate_dispatches()) + 5, sentences=1))
    assert len(many) == len(bp.candidate_dispatches()) + 5


@pytest.mark.slow
def test_report_loads_the_service_and_the_peer_with_the_same_requests() -> None:
    config = bs.ServeBenchConfig(clients=3, requests=1, sentences=2, beams=2)
    builders = bp.Builders(
        fr_en=_tiny_marian, fr_ko=functools.partial(bp.build_m2m100_418m, architecture=TINY_M2M100)
    )
    report = bs.run_serve_bench(config, builders=builders)
    assert set(report) == {"device", "config", "words_per_request", "service", "peer", "ratio", "targets"}
    for name in ("service", "peer"):
        figures = report[name]
        assert figures["requests"] == figures["completed"] == 3, (name, figures)
        assert figures["errors"] == {}
        assert figures["dispatches_per_min"] > 0
        assert 0 < figures["p50_s"] <= figures["p95_s"] <= figures["p99_s"] <= figures["wall_s"]
    assert report["ratio"] == pytest.approx(
        report["service"]["dispatches_per_min"] / report["peer"]["dispatches_per_min"], abs=0.01
    )
    assert [t["met"] for t in report["targets"]] == [
        report["ratio"] >= 5,
        report["service"]["p95_s"] < report["peer"]["p95_s"],
    ]
    json.dumps(report)
    table = bs.format_serve_table(report)
    assert "plain FastAPI + stock generate" in table and "3/3" in table


def test_the_load_counts_errors_and_latencies_of_a_real_server() -> None:
    """run_load against a real HTTP server: every request answered, a refused one counted."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(503 if body["text"] == "busy" else 200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        figures = bs.run_load(url, [{"text": "ok"}] * 5 + [{"text": "busy"}], clients=4)
    finally:
        server.shutdown()
        server.server_close()
    assert (figures["requests"], figures["completed"], figures["errors"]) == (6, 5, {"http_503": 1})
    assert figures["dispatches_per_min"] > 0 and figures["p50_s"] <= figures["p99_s"]


def test_cli_serve_refuses_options_of_the_other_benchmarks() -> None:
    assert_one_line_error(run("bench", "--serve", "--dispatches", "3"), "--dispatches: not used with --serve")
    assert_one_line_error(run("bench", "--clients", "4"), "--clients: not used without --pipeline or --serve")
    assert_one_line_error(run("bench", "--pipeline", "--serve"), "choose one")
    assert_one_line_error(run("bench", "--serve", "--batch", "8"), "--batch: not used with --serve")
