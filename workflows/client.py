"""How every Mufakat process connects to Temporal: embedded dev server, cluster or Cloud."""

from __future__ import annotations

import os
from collections.abc import Mapping

from temporalio.client import Client
from temporalio.contrib.opentelemetry import TracingInterceptor
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.envconfig import ClientConfig, ClientConnectConfig

# Any of these means "connect where Temporal's own settings say" (cluster or Cloud).
SERVER_SETTINGS = ("TEMPORAL_ADDRESS", "TEMPORAL_PROFILE", "TEMPORAL_CONFIG_FILE")


def connect_config(
    *, embedded_address: str, namespace: str, env: Mapping[str, str] | None = None
) -> ClientConnectConfig:
    """Connection arguments: Temporal's own settings if they name a server, else the dev server.

    Temporal's settings (a TOML profile plus `TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE`,
    `TEMPORAL_API_KEY`, `TEMPORAL_TLS_*`, `TEMPORAL_GRPC_META_*`) are read only when one of
    `SERVER_SETTINGS` is set, so that a developer's cloud credentials never reach the embedded
    server, which speaks plain gRPC on loopback. `namespace` fills in when they name none.
    """
    # Temporal's loader accepts only a plain dict, not os.environ itself.
    env = dict(os.environ if env is None else env)
    if not any(env.get(name) for name in SERVER_SETTINGS):
        return {"target_host": embedded_address, "namespace": namespace}
    config = ClientConfig.load_client_connect_config(override_env_vars=env)
    if "target_host" not in config:
        raise ValueError("Temporal settings name no address: set TEMPORAL_ADDRESS or a profile")
    config.setdefault("namespace", namespace)
    return config


async def connect_client(
    *,
    embedded_address: str,
    namespace: str,
    env: Mapping[str, str] | None = None,
    lazy: bool = False,
) -> Client:
    """A client with the project's converter and tracing; `lazy` defers the first connection."""
    return await Client.connect(
        **connect_config(embedded_address=embedded_address, namespace=namespace, env=env),
        # Worker, API, starter and replayer must share one converter, or replay fails.
        data_converter=pydantic_data_converter,
        interceptors=[TracingInterceptor()],
        lazy=lazy,
    )
