"""samconfig.toml: the defaults `sam deploy` and `sam deploy --guided` start from. Fast: in make test."""

from __future__ import annotations

import shlex
import tomllib

from tests.deploy.sam import SAMCONFIG, load_template


def deploy_settings() -> dict[str, object]:
    config = tomllib.loads(SAMCONFIG.read_text())
    return {**config["default"]["global"]["parameters"], **config["default"]["deploy"]["parameters"]}


def test_deploy_defaults_are_safe_and_complete() -> None:
    settings = deploy_settings()

    assert settings["stack_name"] == "protected-api"
    assert settings["region"]
    assert settings["capabilities"] == "CAPABILITY_IAM"
    assert settings["confirm_changeset"] is True
    assert settings["resolve_s3"] is True


def test_parameter_placeholders_name_real_parameters_and_keep_auth0s_trailing_slash() -> None:
    overrides = dict(item.split("=", 1) for item in shlex.split(str(deploy_settings()["parameter_overrides"])))

    assert set(overrides) <= set(load_template()["Parameters"])
    assert overrides["TokenIssuer"] == "https://YOUR_TENANT.auth0.com/"
    assert overrides["Audience"].startswith("https://")
