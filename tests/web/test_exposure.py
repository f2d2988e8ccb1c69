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
