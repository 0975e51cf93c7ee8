"""The results store: one SQLite file per bench folder (standard library ``sqlite3``).

Table ``runs`` holds one row per run (its full resolved configuration and the hash of it, seed,
status, error text, the metrics of ``summary.json``, timings, the modeguard version); table
``evals`` holds every evaluation of every run. Only the bench driver writes to it.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    hash TEXT PRIMARY KEY,
    suite TEXT NOT NULL,
    config TEXT NOT NULL,
    data TEXT NOT NULL,
    preset TEXT NOT NULL,
    remedy TEXT NOT NULL,
    variant TEXT NOT NULL,
    seed INTEGER NOT NULL,
    steps INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('done', 'failed')),
    error TEXT,
    modes INTEGER,
    n_modes INTEGER,
    hq REAL,
    kl REAL,
    churn REAL,
    seconds REAL,
    steps_per_second REAL,
    wall_seconds REAL,
    run_dir TEXT,
    summary TEXT,
    version TEXT NOT NULL,
    finished_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS evals (
    hash TEXT NOT NULL REFERENCES runs(hash),
    step INTEGER NOT NULL,
    modes INTEGER NOT NULL,
    hq REAL NOT NULL,
    kl REAL NOT NULL,
    churn REAL,
    PRIMARY KEY (hash, step)
);
"""


def config_hash(config: dict[str, Any]) -> str:
    """SHA-256 of a resolved configuration's canonical JSON."""
    return hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()


class ResultsStore:
    """The ``results.sqlite`` of a bench folder."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path)
        self.db.row_factory = sqlite3.Row
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        """Close the connection."""
        self.db.close()

    def __enter__(self) -> ResultsStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def set_meta(self, key: str, value: Any) -> None:
        """Store a JSON value under ``key`` (the suite's name, description, references)."""
        with self.db:
            self.db.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, json.dumps(value))
            )

    def get_meta(self, key: str, default: Any = None) -> Any:
        """The JSON value stored under ``key``."""
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return default if row is None else json.loads(row[0])

    def done_hashes(self) -> set[str]:
        """Hashes of the runs that finished successfully (a rerun skips them)."""
        return {row[0] for row in self.db.execute("SELECT hash FROM runs WHERE status = 'done'")}

    def record(
        self,
        *,
        hash: str,
        suite: str,
        config: dict[str, Any],
        variant: str,
        version: str,
        summary: dict[str, Any] | None = None,
        evals: Iterable[dict[str, Any]] = (),
        error: str | None = None,
        wall_seconds: float | None = None,
        run_dir: str | None = None,
    ) -> None:
        """Insert or replace one run and its evaluations, in one transaction."""
        s = summary or {}
        row = {
            "hash": hash, "suite": suite, "config": json.dumps(config, sort_keys=True),
            "data": config["data"], "preset": config["preset"], "remedy": config["remedy"],
            "variant": variant, "seed": config["seed"], "steps": config["steps"],
            "status": "failed" if error else "done", "error": error,
            "modes": s.get("modes"), "n_modes": s.get("n_modes"), "hq": s.get("hq"),
            "kl": s.get("kl"), "churn": s.get("churn"), "seconds": s.get("seconds"),
            "steps_per_second": s.get("steps_per_second"), "wall_seconds": wall_seconds,
            "run_dir": run_dir, "summary": json.dumps(s, sort_keys=True) if summary else None,
            "version": version, "finished_at": time.time(),
        }  # fmt: skip
        with self.db:
            self.db.execute("DELETE FROM evals WHERE hash = ?", (hash,))
            self.db.execute(
                f"INSERT OR REPLACE INTO runs ({', '.join(row)}) "
                f"VALUES ({', '.join('?' * len(row))})",
                list(row.values()),
            )
            self.db.executemany(
                "INSERT INTO evals (hash, step, modes, hq, kl, churn) VALUES (?, ?, ?, ?, ?, ?)",
                [(hash, e["step"], e["modes"], e["hq"], e["kl"], e.get("churn")) for e in evals],
            )

    def runs(self, status: str | None = None) -> list[dict[str, Any]]:
        """All runs (or those with ``status``) as dicts, in a stable order."""
        query = "SELECT * FROM runs"
        args: tuple = ()
        if status:
            query, args = query + " WHERE status = ?", (status,)
        query += " ORDER BY data, preset, variant, seed"
        return [dict(row) for row in self.db.execute(query, args)]

    def evals(self, hash: str) -> list[dict[str, Any]]:
        """The evaluations of one run, by step."""
        rows = self.db.execute("SELECT * FROM evals WHERE hash = ? ORDER BY step", (hash,))
        return [dict(row) for row in rows]
