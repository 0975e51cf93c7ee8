"""Benchmarks over many seeds: suites, the runner, the results store, the report."""

from modeguard.bench.report import mean_se, write_report
from modeguard.bench.runner import BenchResult, run_suite
from modeguard.bench.store import ResultsStore, config_hash
from modeguard.bench.suites import Suite, builtin_suites, load_suite, parse_suite

__all__ = [
    "BenchResult",
    "ResultsStore",
    "Suite",
    "builtin_suites",
    "config_hash",
    "load_suite",
    "mean_se",
    "parse_suite",
    "run_suite",
    "write_report",
]
