"""Who can see what of a server behind --auth: the password stays out of the process list, and the login
page says nothing about the API to a visitor who has not logged in."""

import httpx
from click.testing import CliRunner

import app.web.server as server
from app.cli import cli


def test_the_password_can_come_from_a_file_or_the_environment(monkeypatch, tmp_path):
    """--auth USER:PASSWORD is in the process list for every user of the machine to read; these are not."""
    started = []
    monkeypatch.setattr(server, "serve", lambda host, port, auth: started.append(auth))
    secret = tmp_path / "login"
    secret.write_text("reader:s3cret words\n")
    assert CliRunner().invoke(cli, ["serve", "--auth-file", str(secret)]).exit_code == 0
    assert CliRunner().invoke(cli, ["serve"], env={"ASK_KARPATHY_AUTH": "ops:hunter2"}).exit_code == 0
    assert started == [("reader", "s3cret words"), ("ops", "hunter2")]
    secret.write_text("no password here\n")
    refused = CliRunner().invoke(cli, ["serve", "--auth-file", str(secret)])
    assert refused.exit_code == 2 and "Invalid value for --auth-file: give a user name and a password" in refused.output


def test_the_login_page_shows_no_api_description(serve_app):
    with serve_app(auth=("reader", "secret")) as url, httpx.Client() as http:
        login_page = http.get(url).text
        assert '"auth_required":true' in login_page
        for detail in ("what_would_karpathy_say", "previous_questions", "Search Andrej Karpathy"):
            assert detail not in login_page
        assert http.post(url + "login", data={"username": "reader", "password": "secret"}).status_code == 200
        assert "what_would_karpathy_say" in http.get(url).text  # logged in: the page as it always was


def test_sigterm_removes_the_servers_temp_folder(tmp_path, seed_index):
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time

    from app.config import REPO_DIR

    seed_index(tmp_path / "index")
    (tmp_path / "tmp").mkdir()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO_DIR),
        "TMPDIR": str(tmp_path / "tmp"),
        "ASK_KARPATHY_INDEX_DIR": str(tmp_path / "index"),
        "ASK_KARPATHY_DATA_DIR": str(tmp_path / "data"),
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from app.cli import main; sys.argv[0] = 'ask-karpathy'; main()",
            "serve",
            "--port",
            str(port),
        ],
        cwd=REPO_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            assert proc.poll() is None
            try:
                httpx.get(f"http://127.0.0.1:{port}/gradio_api/info", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.5)
        assert [p.name for p in (tmp_path / "tmp").iterdir()][0].startswith("ask-karpathy-gradio-")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    assert list((tmp_path / "tmp").iterdir()) == []
