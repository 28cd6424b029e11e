"""Every benchmark under bench/ still runs, at a tiny size on both engines (they are run by
hand, not timed here: docs/benchmarks.md), so a schema change cannot leave one broken
unnoticed until the next measurement (bench_cob's product setup once missed a column added
by a migration). Each prints its comparison line; the numbers themselves are not checked."""
import pytest

from bench import (bench_audit_chain, bench_cob, bench_onboarding, bench_returns,
                   bench_schedule)


@pytest.mark.parametrize("bench, argv, printed", [
    (bench_cob, ["--loans", "200", "--sample", "50"], "ratio"),
    (bench_returns, ["--returns", "20", "--sample", "10"], "sampled loans identical: True"),
    (bench_audit_chain, ["--rows", "50", "--rounds", "1"], "intact: True"),
    (bench_onboarding, ["--loans", "60"], "of COPY"),
], ids=["cob", "returns", "audit_chain", "onboarding"])
def test_a_benchmark_runs_on_both_engines(bench, argv, printed, pg_url, capsys):
    bench.main([*argv, "--engine", "both"])
    out = capsys.readouterr().out
    assert "[sqlite]" in out and "[postgresql]" in out
    assert printed in out


def test_the_schedule_benchmark_runs(capsys):
    bench_schedule.main(["--repeat", "1"])
    assert "(same rows as reference)" in capsys.readouterr().out
