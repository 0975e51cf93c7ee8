"""The Ray backend: each run is one Ray task with one CPU; results return to the driver.

With no address, a local Ray cluster is started that listens on loopback only: Ray resolves
``127.0.0.1`` given as the node address to the machine's outward address, so instead the
environment variable ``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0`` is set before Ray is imported,
which makes Ray take the loopback address as the node's, and every Ray server (GCS, raylet,
workers, runtime-env agent) binds to it. No dashboard is started and usage stats are off.
With an address, the driver joins that cluster (modeguard must be installed on its nodes).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from modeguard.errors import ModeguardError

LOOPBACK_ENV = {
    "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",  # node address = loopback, servers bind to it
    "RAY_USAGE_STATS_ENABLED": "0",
}


@contextmanager
def ray_session(address: str | None, workers: int) -> Iterator[tuple[Any, Any]]:
    """Connect to ``address`` or start a loopback-only local cluster with ``workers`` CPUs;
    yields ``(ray, remote execute_run)`` and shuts a cluster it started down afterwards."""
    if address is None:
        if "ray" in sys.modules:
            from ray._private import ray_constants

            if ray_constants.ENABLE_RAY_CLUSTER:
                raise ModeguardError(
                    "ray was imported before modeguard could keep its local cluster on "
                    "loopback; start modeguard bench in a fresh process or pass --address"
                )
        os.environ.update(LOOPBACK_ENV)
    try:
        import ray
    except ImportError as exc:
        raise ModeguardError(
            "the ray backend needs Ray: pip install 'modeguard[ray]' (or use --backend local)"
        ) from exc
    from modeguard.bench.runner import execute_run

    started_here = not ray.is_initialized()
    if started_here:
        try:
            if address is None:
                ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False,
                         configure_logging=False)  # fmt: skip
            else:
                ray.init(address=address, log_to_driver=False, configure_logging=False)
        except (ConnectionError, ValueError, RuntimeError) as exc:
            raise ModeguardError(f"cannot connect to Ray at {address}: {exc}") from exc
    try:
        yield ray, ray.remote(num_cpus=1)(execute_run)
    finally:
        if started_here:
            ray.shutdown()
