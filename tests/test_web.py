"""The web app served in-process on a free port, called as programs and agents call it: gradio_client on
/ask, /search and /what_would_karpathy_say, an MCP client on its tool. Also the core's reading of
follow-up questions (app.answer.contextualize) that the chat relies on, and the `serve`/`feedback` commands."""
import asyncio
import json
import re
import socket
import subprocess
import sys

import pytest
from click.testing import CliRunner
from gradio_client import Client
from gradio_client.exceptions import AppError
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

from app import feedback, web
from app.answer import ask
from app.question import contextualize
from app.citations import FORMATS, cite
from app.cli import cli
from app.config import Settings

DATA_ENGINE = "what would Karpathy say about the data engine?"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def url(searcher):
    app = web.build_app(searcher)
    port = free_port()
    web.launch(app, "127.0.0.1", port, prevent_thread_lock=True, quiet=True)
    yield f"http://127.0.0.1:{port}/"
    app.close()


@pytest.fixture(scope="module")
def client(url):
    return Client(url, verbose=False)


def test_only_the_documented_endpoints_are_public(client):
    endpoints = client.view_api(return_format="dict", print_info=False)["named_endpoints"]
    assert set(endpoints) == {"/ask", "/search", "/what_would_karpathy_say"}
    params = [p["parameter_name"] for p in endpoints["/ask"]["parameters"]]
    assert params == ["question", "k", "theme", "previous_questions"]


def test_ask_returns_the_answer_and_its_citations(client, searcher):
    answer = client.predict(question=DATA_ENGINE, k=2, theme="", api_name="/ask")
    assert answer == ask(searcher, DATA_ENGINE, 2).model_dump(mode="json")
    assert answer["on_topic"] and answer["mode"] == "extractive"
    assert answer["text"].startswith(answer["lead"]) and answer["lead"].startswith("Karpathy's short answer: “")
    first = answer["citations"][0]
    assert {"n", "id", "title", "theme", "kind", "quotes", "quoting", "paraphrase", "sources", "score",
            "copy_text"} <= set(first)
    assert (first["n"], first["id"], first["kind"]) == (1, 11, "quote")
    # every [n] that starts a line of the answer has its citation, and nothing else does
    assert re.findall(r"^\[(\d+)\]", answer["text"], re.M) == [str(c["n"]) for c in answer["citations"]]
    for c in answer["citations"]:
        insight = searcher.corpus.get(c["id"])
        assert c["copy_text"] == {fmt: cite(insight, searcher.corpus, fmt) for fmt in FORMATS}


def test_a_follow_up_is_read_with_the_question_before_it(client):
    first = client.predict(question=DATA_ENGINE, api_name="/ask")
    follow_up = client.predict(question="why?", previous_questions=[DATA_ENGINE], api_name="/ask")
    assert follow_up["question"] == f"{DATA_ENGINE} why?"
    # the next insights on the same topic, none of those shown already
    assert follow_up["citations"] and not ({c["id"] for c in follow_up["citations"]} &
                                           {c["id"] for c in first["citations"]})
    # an aspect with a match of its own leads with it, the previous topic only breaking ties
    agi = client.predict(question="what about AGI?", previous_questions=[DATA_ENGINE], api_name="/ask")
    assert agi["question"] == f"{DATA_ENGINE} what about AGI?" and agi["citations"][0]["id"] == 44
    bare = client.predict(question="why?", api_name="/ask")  # nothing to refer to: asks, not an error
    assert bare["citations"] == [] and bare["lead"].startswith("What does “why?” refer to?")


def test_off_topic_question_says_so(client):
    answer = client.predict(question="best pizza in Naples?", api_name="/ask")
    assert answer["on_topic"] is False
    assert answer["text"].startswith("Nothing in the corpus is on that topic")


def test_theme_filter_and_search(client):
    result = client.predict(question="data labeling", k=4, theme="training", api_name="/search")
    assert result["question"] == "data labeling" and 1 <= len(result["citations"]) <= 4  # k is a maximum
    assert {c["theme"] for c in result["citations"]} == {"training"}
    assert [c["n"] for c in result["citations"]] == list(range(1, len(result["citations"]) + 1))


@pytest.mark.parametrize("kwargs, message", [
    ({"question": ""}, "The question is empty"),
    ({"question": "   \n "}, "The question is empty"),
    ({"question": "x" * 5000}, "The question is too long"),
    ({"question": "x" * 100_000}, "The question is too long (100,000 characters"),
    ({"question": "x" * 10_000_000}, "The question is too long (10,000,000 characters"),  # refused before embedding
    ({"question": "hiring", "k": 0}, "k must be a number from 1 to 10"),
    ({"question": "hiring", "k": 11}, "k must be a number from 1 to 10"),
    ({"question": "hiring", "theme": "cooking"}, "Unknown theme 'cooking'"),
])
def test_bad_requests_get_the_short_message(client, kwargs, message):
    with pytest.raises(AppError, match=re.escape(message)):
        client.predict(**kwargs, api_name="/ask")
    assert client.predict(question="data engine?", api_name="/ask")["citations"]  # and it keeps serving


def test_mcp_tool(url):
    async def call():
        async with streamable_http_client(f"{url}gradio_api/mcp/") as (read, write, _):
            async with ClientSession(read, write) as session:
                await session.initialize()
                tools = {tool.name: tool for tool in (await session.list_tools()).tools}
                answer = await session.call_tool("what_would_karpathy_say", {"question": DATA_ENGINE, "k": 2})
                follow_up = await session.call_tool("what_would_karpathy_say",
                                                    {"question": "why?", "previous_questions": [DATA_ENGINE]})
                return tools, answer, follow_up

    tools, answer, follow_up = asyncio.run(call())
    tool = tools["what_would_karpathy_say"]
    assert tool.description.startswith("What would Andrej Karpathy say about a topic?")
    assert set(tool.inputSchema["properties"]) == {"question", "k", "theme", "previous_questions"}
    assert not answer.isError
    text = answer.content[0].text
    assert text.startswith("Karpathy's short answer: “Competitive advantage in AI")
    assert '[1] Karpathy said: "Competitive advantage in AI' in text and "[3]" not in text  # k=2 at most
    assert follow_up.content[0].text.startswith("More on the same topic.")


def test_feedback_is_appended_and_a_read_only_data_dir_costs_only_the_feedback(tmp_path):
    entry = {"question": "q", "liked": False}
    assert feedback.save(tmp_path / "data" / "feedback.jsonl", entry) == "Thanks: feedback saved."
    feedback.save(tmp_path / "data" / "feedback.jsonl", entry)
    lines = (tmp_path / "data" / "feedback.jsonl").read_text().splitlines()
    assert [json.loads(line) for line in lines] == [entry, entry]
    blocker = tmp_path / "a-file"
    blocker.write_text("")  # a directory cannot be made under a file, even by root
    assert "could not be saved" in feedback.save(blocker / "data" / "feedback.jsonl", entry)


def test_cards_escape_html_and_chat_messages_cannot_form_tags():
    card = web.card_html('<img src=x onerror="alert(1)">', "paraphrase", [], None, "a <b>bold</b> claim",
                         "theme · insight #1", ["<script>x</script>"], number=1)
    assert "<img" not in card and "<b>" not in card and "<script>" not in card
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in card and 'data-n="1"' in card
    assert web.as_text("<script>x</script> & more") == "&lt;script>x&lt;/script> & more"


def test_the_answer_streams_in_growing_prefixes():
    text = "[1] Karpathy said: \"one two three four five\"\n    — insight #1"
    shown = list(web.reveal(text))
    assert len(shown) > 2 and shown[-1] == text
    assert all(text.startswith(s) and len(s) < len(t) for s, t in zip(shown, shown[1:]))


@pytest.mark.parametrize("question, previous, read_as", [
    ("why?", ["what about hiring?"], "what about hiring? why?"),
    ("tell me more about that", ["what about hiring?"], "what about hiring? tell me more about that"),
    ("and for startups?", ["what about hiring?"], "what about hiring? and for startups?"),
    ("why?", ["what about hiring?", "and for startups?"], "what about hiring? and for startups? why?"),
    ("and about data?", ["what about hiring?"], "and about data?"),  # a new topic, same framing
    ("what about AGI?", ["what about hiring?"], "what about AGI?"),
    ("why?", [], "why?"),
    ("", ["what about hiring?"], ""),  # still empty, so the core still refuses it
    ("so what does he think of the way universities teach deep learning today?", ["hiring?"],
     "so what does he think of the way universities teach deep learning today?"),
])
def test_contextualize(question, previous, read_as):
    assert contextualize(question, previous) == read_as


def test_host_and_port_come_from_the_environment(monkeypatch):
    assert (Settings().host, Settings().port) == ("127.0.0.1", 7860)
    monkeypatch.setenv("ASK_KARPATHY_HOST", "0.0.0.0")
    monkeypatch.setenv("ASK_KARPATHY_PORT", "9001")
    assert (Settings().host, Settings().port) == ("0.0.0.0", 9001)


def test_serve_on_a_busy_port_is_one_clear_line():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(cli, ["serve", "--port", str(port)])
    assert result.exit_code == 1
    assert result.output == (f"Error: cannot listen on 127.0.0.1:{port} (Address already in use); is another "
                             f"server running? Try another port, e.g. --port {port + 1}\n")
    result = CliRunner().invoke(cli, ["serve", "--host", "192.0.2.1"])
    assert result.exit_code == 1 and result.output.endswith("; check --host\n")


def test_feedback_command_turns_dislikes_into_candidate_questions(tmp_path):
    def entry(question, read_as, ids, liked):
        return {"question": question, "read_as": read_as, "answer": f"answer to {read_as}", "cited_ids": ids,
                "liked": liked}

    log = tmp_path / "feedback.jsonl"
    entries = [
        entry("hiring?", "hiring?", [18, 6], False),
        entry("data engine?", "data engine?", [11], True),
        entry("why?", "hiring? why?", [18], False),
        entry("hiring?", "hiring?", [18, 6], False),  # disliked twice: one candidate
        entry("agi?", "agi?", [44], False),
        entry("agi?", "agi?", [44], None),  # ...then the thumb was withdrawn
    ]
    log.write_text("\n".join(json.dumps(e) for e in entries) + '\n{"question": "cut sh')
    result = CliRunner().invoke(cli, ["feedback", "--log", str(log)])
    assert result.exit_code == 0
    assert [json.loads(line) for line in result.stdout.splitlines()] == [
        {"q": "hiring?", "ids": None, "note": "disliked; answer cited [18, 6]; label me"},
        {"q": "hiring? why?", "ids": None, "note": "disliked; answer cited [18]; label me"},
    ]
    assert f"{log}:7: not JSON, skipped" in result.stderr
    missing = CliRunner().invoke(cli, ["feedback", "--log", str(tmp_path / "none.jsonl")])
    assert missing.exit_code == 1 and "no feedback log at" in missing.output


def test_the_cli_imports_gradio_only_to_serve():
    code = "import sys; from app.cli import cli; assert 'gradio' not in sys.modules"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
