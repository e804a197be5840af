"""The client factory: embedded dev server by default, Temporal's own settings for cluster/Cloud."""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.api.workflowservice.v1 import GetSystemInfoRequest
from temporalio.contrib.opentelemetry import TracingInterceptor
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.service import TLSConfig
from temporalio.testing import WorkflowEnvironment

from workflows.client import connect_client, connect_config

EMBEDDED = {"embedded_address": "127.0.0.1:7233", "namespace": "default"}


def test_embedded_server_without_temporal_settings() -> None:
    # A stray cloud key must not reach the plain-gRPC dev server.
    config = connect_config(**EMBEDDED, env={"TEMPORAL_API_KEY": "secret"})
    assert config == {"target_host": "127.0.0.1:7233", "namespace": "default"}


def test_cloud_with_api_key_from_env() -> None:
    env = {
        "TEMPORAL_ADDRESS": "mufakat.a1b2c.tmprl.cloud:7233",
        "TEMPORAL_NAMESPACE": "mufakat.a1b2c",
        "TEMPORAL_API_KEY": "secret",
    }
    config = connect_config(**EMBEDDED, env=env)
    assert config == {
        "target_host": "mufakat.a1b2c.tmprl.cloud:7233",
        "namespace": "mufakat.a1b2c",
        "api_key": "secret",
        "tls": True,  # an API key turns TLS on
    }


def test_cluster_with_mtls_from_env(tmp_path: Path) -> None:
    cert, key = tmp_path / "client.pem", tmp_path / "client.key"
    cert.write_bytes(b"CERT")
    key.write_bytes(b"KEY")
    env = {
        "TEMPORAL_ADDRESS": "temporal-frontend.temporal:7233",
        "TEMPORAL_TLS_CLIENT_CERT_PATH": str(cert),
        "TEMPORAL_TLS_CLIENT_KEY_PATH": str(key),
        "TEMPORAL_TLS_SERVER_NAME": "temporal.internal",
    }
    config = connect_config(**EMBEDDED, env=env)
    assert config["target_host"] == "temporal-frontend.temporal:7233"
    assert config["namespace"] == "default"  # ours fills in when Temporal's settings name none
    tls = config["tls"]
    assert isinstance(tls, TLSConfig)
    assert (tls.client_cert, tls.client_private_key, tls.domain) == (
        b"CERT",
        b"KEY",
        "temporal.internal",
    )


def test_profile_from_config_file(tmp_path: Path) -> None:
    config_file = tmp_path / "temporal.toml"
    config_file.write_text(
        '[profile.prod]\naddress = "temporal.example:7233"\nnamespace = "mufakat"\n'
    )
    env = {"TEMPORAL_CONFIG_FILE": str(config_file), "TEMPORAL_PROFILE": "prod"}
    config = connect_config(**EMBEDDED, env=env)
    assert config == {"target_host": "temporal.example:7233", "namespace": "mufakat"}


def test_temporal_settings_without_an_address_are_refused(tmp_path: Path) -> None:
    config_file = tmp_path / "temporal.toml"
    config_file.write_text('[profile.default]\nnamespace = "mufakat"\n')
    with pytest.raises(ValueError, match="no address"):
        connect_config(**EMBEDDED, env={"TEMPORAL_CONFIG_FILE": str(config_file)})


async def test_client_has_the_project_converter_and_tracing(dev_env: WorkflowEnvironment) -> None:
    address = dev_env.client.service_client.config.target_host
    client = await connect_client(embedded_address=address, namespace="default", env={})
    assert client.data_converter is pydantic_data_converter
    assert any(isinstance(i, TracingInterceptor) for i in client.config()["interceptors"])
    await client.workflow_service.get_system_info(GetSystemInfoRequest())


def test_the_process_environment_itself_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    # Without an explicit mapping the factory reads os.environ, as `mufakat worker` does.
    monkeypatch.setenv("TEMPORAL_ADDRESS", "temporal.internal:7233")
    monkeypatch.setenv("TEMPORAL_NAMESPACE", "mufakat")
    config = connect_config(embedded_address="127.0.0.1:7233", namespace="default")
    assert config["target_host"] == "temporal.internal:7233"
    assert config["namespace"] == "mufakat"
