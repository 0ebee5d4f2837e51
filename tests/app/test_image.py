"""The image definition (not buildable here: no Docker daemon in the tests) holds what the task relies on."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?==([^\s;]+)", line)
        if match:
            pins[match.group(1).lower()] = match.group(2)
    return pins


def test_runs_as_the_tasks_uid_not_root():
    users = re.findall(r"^USER\s+(\S+)", DOCKERFILE, re.M)
    assert users == ["1000:1000"]


def test_ships_the_rds_bundle_where_the_task_points_pgsslrootcert():
    assert "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem " \
           "/etc/ssl/certs/rds-global-bundle.pem" in DOCKERFILE


def test_installs_only_locked_files_with_hashes():
    assert "--require-hashes -r /tmp/requirements.txt" in DOCKERFILE
    lock = (ROOT / "blog" / "requirements.txt").read_text()
    for package in ("starlette", "jinja2", "psycopg", "psycopg-pool", "uvicorn", "anyio"):
        assert re.search(rf"^{package}==\S+ \\\n\s+--hash=sha256:[0-9a-f]{{64}}", lock, re.M), package


def test_the_image_pins_equal_the_projects():
    image, project = _pins(ROOT / "blog" / "requirements.in"), _pins(ROOT / "requirements.in")
    assert set(image) == {"starlette", "jinja2", "psycopg", "psycopg-pool", "uvicorn"}
    assert {name: project.get(name) for name in image} == image


def test_read_only_root_needs_no_bytecode_writes_and_sends_only_blog():
    assert "PYTHONDONTWRITEBYTECODE=1" in DOCKERFILE and "compileall" in DOCKERFILE
    ignore = (ROOT / ".dockerignore").read_text().split()
    assert ignore[ignore.index("*"):][:2] == ["*", "!blog/"]
