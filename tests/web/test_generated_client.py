"""A client generated from the OpenAPI document by openapi-python-client installs with pip into
a fresh venv and drives a case against a real `ledger serve` process: what a new user does
first. Catches a title pip refuses, missing operationIds (the functions' names), undeclared
headers (no argument to pass them) and schemas the generator cannot read (it warns)."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_serve import ORGANISATION, VILLAGE, Server, server  # noqa: F401 - the fixture

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
SCRIPT = Path(__file__).with_name("generated_client_script.py")


def _run(*command: str | Path, cwd: Path) -> str:
    done = subprocess.run(
        [str(c) for c in command], cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def test_a_generated_client_installs_and_drives_a_case(server: Server, tmp_path: Path) -> None:  # noqa: F811
    with urllib.request.urlopen(f"{server.base}/openapi.json", timeout=10) as response:
        (tmp_path / "openapi.json").write_bytes(response.read())
    said = _run(
        BIN / "openapi-python-client", "generate", "--path", "openapi.json", "--output-path", "client",
        "--meta", "setup", cwd=tmp_path,
    )  # fmt: skip
    assert "warning" not in said.lower() and "error" not in said.lower(), said
    assert (tmp_path / "client" / "dispute_ledger_api_client").is_dir(), said

    # A venv of its own, without the ledger or the dev tools: only what the client declares.
    _run(sys.executable, "-m", "venv", "--without-pip", "venv", cwd=tmp_path)
    python = tmp_path / "venv" / "bin" / "python"
    _run(BIN / "pip", "--python", python, "install", "-q", "./client", "python-dateutil", cwd=tmp_path)
    out = _run(python, SCRIPT, server.base.removesuffix("/api/v1"), json.dumps(server.tokens), VILLAGE,
               ORGANISATION, cwd=tmp_path)  # fmt: skip
    seen: dict[str, Any] = json.loads(out.strip().splitlines()[-1])

    report, retry = seen["report"], seen["retry"]
    assert (report["status"], report["body"]["status"], report["headers"]["etag"]) == (201, "reported", '"1"')
    assert (retry["status"], retry["body"]["id"]) == (201, report["body"]["id"])
    assert retry["headers"]["idempotent-replayed"] == "true"
    assert (seen["assign"]["status"], seen["assign"]["body"]["status"]) == (200, "assigned")
    assert (seen["accept"]["status"], seen["accept"]["body"]["status"]) == (200, "accepted")
    stale = seen["stale"]
    assert (stale["status"], stale["body"]["code"], stale["body"]["current_version"]) == (
        409,
        "version_conflict",
        3,
    )
    detail = seen["detail"]
    assert (detail["status"], detail["body"]["status"], detail["body"]["parties"][0]["name"]) == (
        200,
        "accepted",
        "张**",
    )
    history = seen["history"]
    assert history["status"] == 200
    assert [e["command"] for e in history["body"]["events"]] == ["report", "assign", "accept"]
