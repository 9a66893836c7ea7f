"""The `active-graph` command line."""

import csv
import io
import json
import subprocess
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path
from typing import Any

import graphql
import pytest
import typer

from gateway.cli import app, main
from gateway.settings import Settings
from resolvers.seed.personas import PERSONAS
from tests.conftest import Api
from tests.serve_process import ROOT, clean_env, cli

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


def options_of(command: Any) -> Iterator[tuple[str, Any]]:
    for param in command.params:
        yield command.name, param
    for sub in getattr(command, "commands", {}).values():
        yield from options_of(sub)


def test_every_option_has_help_text() -> None:
    root = typer.main.get_command(app)
    missing = [f"{name} {param.opts}" for name, param in options_of(root)
               if param.param_type_name == "option" and not param.help]
    assert missing == []
    assert sum(1 for _ in options_of(root)) > 20


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"active-graph {version('velux-active-graph')}"


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in ("serve", "seed", "personas", "token", "sdl", "compose", "policy",
                    "retention", "erasure"):
        assert command in out
    assert main(["serve", "--help"]) == 0
    assert "--log-format" in capsys.readouterr().out


def test_an_unknown_role_is_refused_with_the_choices(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["token", "--role", "admin", "--sub", "x"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "admin" in captured.err and "velux_support" in captured.err


@pytest.mark.parametrize(("args", "reason"), [
    (["--role", "sales_agent", "--sub", "stf_x"], "sales_company"),
    (["--role", "sales_agent", "--sub", "stf_x", "--sales-company", "sc_nowhere"], "sales_company"),
    (["--persona", "anna", "--purpose", "marketing"], "purpose is not allowed"),
])
def test_a_token_the_server_would_reject_is_not_minted(
    args: list[str], reason: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["token", *args]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "would refuse" in captured.err and reason in captured.err


async def test_a_role_token_is_accepted_by_the_app(
    api: Api, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    token = await cli_token(["--role", "velux_support", "--sub", "stf_jane"], api, capsys,
                            monkeypatch)
    response = await api.client.post(
        "/graphql", json={"query": "{ salesCompanies { id } }"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200 and "errors" not in response.json()


def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    """`active-graph personas --json | head`: the reader is gone before anything is written."""
    process = subprocess.Popen(cli(["personas", "--json"]), cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    assert process.stdout is not None
    process.stdout.close()
    _, err = process.communicate(timeout=60)
    assert b"Traceback" not in err and b"BrokenPipe" not in err and err == b""
    assert process.returncode == 1


@pytest.mark.parametrize(("variable", "value"), [
    ("ACTIVE_GRAPH_PORT", "abc"), ("ACTIVE_GRAPH_ENV", "prod"), ("ACTIVE_GRAPH_HOUSEHOLDS", "-1"),
])
def test_a_bad_setting_is_one_line_naming_the_variable(
    variable: str, value: str, settings: Settings, tmp_path: Path
) -> None:
    env = clean_env(settings, tmp_path, **{variable: value})
    done = subprocess.run(cli(["serve"]), cwd=ROOT, env=env, capture_output=True, timeout=60,
                          text=True)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and variable in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_policy_check_formats(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policy", "check"]) == 0
    table = capsys.readouterr().out
    matrix = table[: table.index("Callers (columns):")]
    assert max(len(line) for line in matrix.splitlines()) <= 80
    assert "user/SELF" in table and "PSEUDONYM" in table and "denied" in table
    assert main(["policy", "check", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    email = next(r for r in rows if r["field"] == "User.email")
    assert email["user/SELF"] == "CLEAR" and email["user/HOST"] == "PARTIAL"
    assert main(["policy", "check", "--format", "json"]) == 0
    captured = capsys.readouterr()
    document = json.loads(captured.out)
    assert document["fields"]["User.email"]["netatmo"] == "PSEUDONYM"
    assert len(document["callers"]) == 12 and "valid" in captured.err
    assert main(["policy", "check", "--format", "yaml"]) == 2


def test_seed_shows_progress_on_stderr_and_counts_on_stdout(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["seed", "--households", "0"]) == 0
    captured = capsys.readouterr()
    assert "seeded embedded store" in captured.out and "users=" in captured.out
    assert "batches" in captured.err
