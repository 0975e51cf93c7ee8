"""The Ray backend: same numbers as the local backend, and a local cluster on loopback only."""

import json
import sqlite3
import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("ray")

LISTENERS_SCRIPT = textwrap.dedent(
    """
    import json, os
    from modeguard.bench.ray_backend import ray_session

    def descendants(root):
        children = {}
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                stat = open(f"/proc/{pid}/stat").read()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(pid))
        found, todo = set(), [root]
        while todo:
            pid = todo.pop()
            found.add(pid)
            todo.extend(children.get(pid, []))
        return found

    def socket_inodes(pids):
        inodes = set()
        for pid in pids:
            try:
                for fd in os.listdir(f"/proc/{pid}/fd"):
                    link = os.readlink(f"/proc/{pid}/fd/{fd}")
                    if link.startswith("socket:["):
                        inodes.add(link[8:-1])
            except OSError:
                pass
        return inodes

    def bound_sockets(inodes):
        found = []
        for proto in ("tcp", "tcp6", "udp", "udp6"):
            for line in open(f"/proc/net/{proto}").read().splitlines()[1:]:
                parts = line.split()
                local, state, inode = parts[1], parts[3], parts[9]
                listening = state == "0A" if proto.startswith("tcp") else state == "07"
                if inode in inodes and listening:
                    found.append([proto, local])
        return found

    with ray_session(None, 1) as (ray, remote):
        @ray.remote
        def ping():
            return 1
        assert ray.get(ping.remote()) == 1
        print(json.dumps(bound_sockets(socket_inodes(descendants(os.getpid())))))
    """
)

LOOPBACK = {
    "0100007F",  # 127.0.0.1 (tcp, little-endian hex)
    "0000000000000000FFFF00000100007F",  # ::ffff:127.0.0.1
    "00000000000000000000000001000000",  # ::1
}


def test_local_ray_cluster_listens_on_loopback_only(tmp_path):
    script = tmp_path / "listeners.py"
    script.write_text(LISTENERS_SCRIPT)
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                            timeout=300, check=True)  # fmt: skip
    sockets = json.loads(result.stdout.strip().splitlines()[-1])
    assert sockets, "Ray should have listening sockets"
    outside = [s for s in sockets if s[1].rsplit(":", 1)[0] not in LOOPBACK]
    assert not outside, f"Ray listens beyond loopback: {outside}"


def _metrics(db_path):
    db = sqlite3.connect(db_path)
    try:
        rows = db.execute("SELECT hash, status, modes, hq, kl, churn FROM runs").fetchall()
    finally:
        db.close()
    return {row[0]: row[1:] for row in rows}


def test_ray_backend_gives_the_local_numbers(tiny_suite_file, tmp_path):
    from modeguard.bench import load_suite, run_suite

    run_suite(load_suite(tiny_suite_file), tmp_path / "local", workers=1, progress=False)
    subprocess.run(
        [sys.executable, "-m", "modeguard.cli", "bench", "--suite", str(tiny_suite_file),
         "--out", str(tmp_path / "ray"), "--backend", "ray", "--workers", "2", "--quiet"],
        check=True, timeout=600, capture_output=True,
    )  # fmt: skip
    local, ray = (
        _metrics(tmp_path / "local" / "results.sqlite"),
        _metrics(tmp_path / "ray" / "results.sqlite"),
    )
    assert len(local) == 8 and local == ray
