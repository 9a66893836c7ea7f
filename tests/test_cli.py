"""The `active-graph` command line."""

import json

import graphql
import pytest

from gateway.cli import main
from resolvers.seed.personas import PERSONAS
from tests.conftest import Api

NAMES = ["anna", "ben", "clara", "david", "velux-support", "velux-dpo", "netatmo-eng",
         "sales-de", "sales-dk"]


def test_personas_json_lists_nine_with_stable_ids(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["personas", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in rows] == NAMES
    subs = {r["name"]: r["sub"] for r in rows}
    assert subs == {
        "anna": "usr_anna", "ben": "usr_ben", "clara": "usr_clara", "david": "usr_david",
        "velux-support": "stf_velux_support", "velux-dpo": "stf_velux_dpo",
        "netatmo-eng": "stf_netatmo_eng", "sales-de": "stf_sales_de", "sales-dk": "stf_sales_dk",
    }
    companies = {r["name"]: r["sales_company"] for r in rows if r["sales_company"]}
    assert companies == {"sales-de": "sc_de", "sales-dk": "sc_dk"}
    assert all(r["role"] and r["facts"] for r in rows)


def test_personas_table_names_everyone(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["personas"]) == 0
    out = capsys.readouterr().out
    assert all(p.name in out and p.sub in out for p in PERSONAS)


async def cli_token(
    args: list[str], api: Api, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> str:
    monkeypatch.setenv("ACTIVE_GRAPH_JWT_SECRET", api.settings.jwt_secret)
    monkeypatch.setenv("ACTIVE_GRAPH_JWT_ISSUER", api.settings.jwt_issuer)
    monkeypatch.setenv("ACTIVE_GRAPH_JWT_AUDIENCE", api.settings.jwt_audience)
    assert main(["token", *args]) == 0
    out = capsys.readouterr().out.strip()
    assert out.count(".") == 2 and "\n" not in out
    return out


async def test_token_for_a_persona_is_accepted_by_the_app(
    api: Api, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    token = await cli_token(["--persona", "anna"], api, capsys, monkeypatch)
    response = await api.client.post(
        "/graphql", json={"query": "{ me { id } }"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["data"] == {"me": {"id": "usr_anna"}}


async def test_token_for_a_sales_agent_with_purpose_is_accepted(
    api: Api, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    token = await cli_token(
        ["--persona", "sales-de", "--purpose", "marketing"], api, capsys, monkeypatch
    )
    response = await api.client.post(
        "/graphql", json={"query": "{ salesCompanies { id } }"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    assert "errors" not in response.json()


async def test_token_with_negative_lifetime_is_expired(
    api: Api, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    token = await cli_token(
        ["--persona", "anna", "--lifetime", "-60"], api, capsys, monkeypatch
    )
    response = await api.client.post(
        "/graphql", json={"query": "{ me { id } }"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 401


def test_token_for_unknown_persona_exits_2_with_the_names(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["token", "--persona", "nobody"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "nobody" in captured.err
    assert all(name in captured.err for name in NAMES)


def test_token_without_persona_or_role_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["token"]) == 2
    assert "--persona" in capsys.readouterr().err


def test_sdl_for_telemetry_has_the_device_entity(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sdl", "--subgraph", "telemetry"]) == 0
    sdl = capsys.readouterr().out
    assert 'type Device @key(fields: "id")' in sdl
    graphql.parse(sdl)


def test_sdl_rejects_an_unknown_subgraph(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sdl", "--subgraph", "billing"]) == 2
    assert "billing" in capsys.readouterr().err


def test_policy_check_prints_the_matrix(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policy", "check"]) == 0
    out = capsys.readouterr().out
    assert "valid" in out.splitlines()[0]
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines()[1:] if line.strip()}
    assert "User.email" in rows
    assert rows["User.email"][0] == "C"  # user/SELF
