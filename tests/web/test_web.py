"""The web app served in-process on a free port, called as programs and agents call it: gradio_client on
/ask, /search and /what_would_karpathy_say, an MCP client on its tool. The chat page's handlers (web.Chat)
and its HTML (app/web/render.py), called directly, without a browser. Also the core's reading of
follow-up questions (app.retrieval.question.follow_up_kind) that the chat relies on, the feedback log, and the
`serve`/`feedback` commands."""

import json
import re
import socket
import subprocess
import sys
from types import SimpleNamespace

import gradio as gr
import pytest
from starlette.datastructures import QueryParams
from click.testing import CliRunner
from gradio_client import Client
from gradio_client.exceptions import AppError
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

import app.offline.feedback as feedback
import app.web.app as web
import app.web.render as web_render
from app.answering.conversation import ask
from app.answering.citations import FORMATS, cite
from app.cli import cli
from app.config import Settings

DATA_ENGINE = "what would Karpathy say about the data engine?"


def predict_json(client: Client, **kwargs) -> dict:
    """/ask and /search return the contract as JSON text, the same text the MCP tools give."""
    return json.loads(client.predict(**kwargs))


@pytest.fixture(scope="module")
def url(web_url):
    return web_url


@pytest.fixture(scope="module")
def client(url):
    return Client(url, verbose=False)


def test_only_the_documented_endpoints_are_public(client):
    endpoints = client.view_api(return_format="dict", print_info=False)["named_endpoints"]
    assert set(endpoints) == {"/ask", "/search", "/what_would_karpathy_say"}
    params = [p["parameter_name"] for p in endpoints["/ask"]["parameters"]]
    assert params == ["question", "k", "theme", "previous_questions"]


def test_ask_returns_the_answer_and_its_citations(client, searcher):
    answer = predict_json(client, question=DATA_ENGINE, k=2, theme="", api_name="/ask")
    assert answer == json.loads(ask(searcher, DATA_ENGINE, 2).model_dump_json())
    assert answer["on_topic"] and answer["mode"] == "extractive"
    assert answer["text"].startswith(answer["lead"]) and answer["lead"].startswith(
        "His answer — The Data Engine is the Moat: Karpathy said “"
    )
    first = answer["citations"][0]
    assert {
        "n",
        "id",
        "title",
        "theme",
        "kind",
        "quotes",
        "quoting",
        "paraphrase",
        "sources",
        "score",
        "copy_text",
    } <= set(first)
    assert (first["n"], first["id"], first["kind"]) == (1, 11, "quote")
    # every [n] that starts a line of the answer has its citation, and nothing else does
    assert re.findall(r"^\[(\d+)\]", answer["text"], re.M) == [str(c["n"]) for c in answer["citations"]]
    for c in answer["citations"]:
        insight = searcher.corpus.get(c["id"])
        assert c["copy_text"] == {fmt: cite(insight, searcher.corpus, fmt) for fmt in FORMATS}


def test_a_follow_up_is_read_with_the_question_before_it(client):
    first = predict_json(client, question=DATA_ENGINE, api_name="/ask")
    follow_up = predict_json(client, question="tell me more", previous_questions=[DATA_ENGINE], api_name="/ask")
    assert follow_up["question"] == "more on: the data engine"
    # the next insights on the same topic, none of those shown already
    assert follow_up["citations"] and not (
        {c["id"] for c in follow_up["citations"]} & {c["id"] for c in first["citations"]}
    )
    # "why?" answers with the card just shown, saying so, then the next insights
    why = predict_json(client, question="why?", previous_questions=[DATA_ENGINE], api_name="/ask")
    assert why["points_back"] and why["citations"][0]["id"] == first["citations"][0]["id"]
    assert not {c["id"] for c in why["citations"][1:]} & {c["id"] for c in first["citations"]}
    # an aspect with a match of its own leads with it, the previous topic only breaking ties
    agi = predict_json(client, question="what about AGI?", previous_questions=[DATA_ENGINE], api_name="/ask")
    assert agi["question"] == "the data engine: AGI" and agi["citations"][0]["id"] == 44
    bare = predict_json(client, question="why?", api_name="/ask")  # nothing to refer to: asks, not an error
    assert bare["citations"] == [] and bare["lead"].startswith("What does “why?” refer to?")


def test_off_topic_question_says_so(client):
    answer = predict_json(client, question="best pizza in Naples?", api_name="/ask")
    assert answer["on_topic"] is False
    assert answer["text"].startswith("Nothing in the corpus is on that topic")


def test_theme_filter_and_search(client):
    result = predict_json(client, question="data labeling", k=4, theme="training", api_name="/search")
    assert result["question"] == "data labeling" and 1 <= len(result["citations"]) <= 4  # k is a maximum
    assert {c["theme"] for c in result["citations"]} == {"training"}
    assert [c["n"] for c in result["citations"]] == list(range(1, len(result["citations"]) + 1))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"question": ""}, "The question is empty"),
        ({"question": "   \n "}, "The question is empty"),
        ({"question": "x" * 5000}, "The question is too long"),
        ({"question": "x" * 100_000}, "The question is too long (100,000 characters"),
        # refused before embedding; 10 MB is refused before Gradio reads it (web/test_limits.py)
        ({"question": "x" * 1_000_000}, "The question is too long (1,000,000 characters"),
        ({"question": "hiring", "k": 0}, "k must be a number from 1 to 10"),
        ({"question": "hiring", "k": 11}, "k must be a number from 1 to 10"),
        ({"question": "hiring", "theme": "cooking"}, "Unknown theme 'cooking'"),
    ],
)
def test_bad_requests_get_the_short_message(client, kwargs, message):
    with pytest.raises(AppError, match=re.escape(message)):
        predict_json(client, **kwargs, api_name="/ask")
    assert predict_json(client, question="data engine?", api_name="/ask")["citations"]  # and it keeps serving


def test_mcp_tool(url, run_async):
    async def call():
        async with streamable_http_client(f"{url}gradio_api/mcp/") as (read, write, _):
            async with ClientSession(read, write) as session:
                await session.initialize()
                tools = {tool.name: tool for tool in (await session.list_tools()).tools}
                answer = await session.call_tool("what_would_karpathy_say", {"question": DATA_ENGINE, "k": 2})
                follow_up = await session.call_tool(
                    "what_would_karpathy_say", {"question": "why?", "previous_questions": [DATA_ENGINE]}
                )
                return tools, answer, follow_up

    tools, answer, follow_up = run_async(call())
    tool = tools["what_would_karpathy_say"]
    assert tool.description.startswith("What would Andrej Karpathy say about a topic?")
    assert set(tool.inputSchema["properties"]) == {"question", "k", "theme", "previous_questions"}
    assert not answer.isError
    text = answer.content[0].text
    assert text.startswith("His answer — The Data Engine is the Moat: Karpathy said “Competitive advantage in AI")
    assert '[1] Karpathy said: "Competitive advantage in AI' in text and "[3]" not in text  # k=2 at most
    # "why?" after a card with no curated reason: that card is still the answer, said so
    assert follow_up.content[0].text.startswith("He gives no separate reason; his answer is the card above — The Data")


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
    assert result.output == (
        f"Error: cannot listen on 127.0.0.1:{port} (Address already in use); is another "
        f"server running? Try another port, e.g. --port {port + 1}\n"
    )
    result = CliRunner().invoke(cli, ["serve", "--host", "192.0.2.1"])
    assert result.exit_code == 1 and result.output.endswith("; check --host\n")


def test_feedback_command_turns_dislikes_into_candidate_questions(tmp_path):
    def entry(question, read_as, ids, liked):
        return {
            "question": question,
            "read_as": read_as,
            "answer": f"answer to {read_as}",
            "cited_ids": ids,
            "liked": liked,
        }

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


# The chat page's handlers, called as Gradio calls them, without a browser.


@pytest.fixture(scope="module")
def chat(searcher):
    return web.Chat(searcher)


def steps(handler) -> list[tuple]:
    return list(handler)


def test_a_question_adds_one_turn_with_the_api_answer(chat, searcher):
    [(page, turns, box, status)] = steps(chat.respond(DATA_ENGINE, [], 3, "", "extractive"))
    assert (box, status) == ("", "") and len(turns) == 1
    assert turns[0]["answer"] == chat.api.answer(DATA_ENGINE, 3, "").model_dump(mode="json")
    assert turns[0]["question"] == DATA_ENGINE and turns[0]["vote"] is None
    # the page shows the lead first, then the cards inline, each [n] of the answer a card
    assert page.index('class="lead"') < page.index('class="card')
    assert re.findall(r'data-n="(\d+)"', page) == [str(c["n"]) for c in turns[0]["answer"]["citations"]]
    # a follow-up is read with the questions before it, and says so
    [(page, turns, _, _)] = steps(chat.respond("why?", turns, 3, "", "extractive"))
    assert turns[1]["answer"]["question"] == "more on: the data engine"
    assert "Read as: “more on: the data engine”" in page


@pytest.mark.parametrize(
    "question, k, theme, said",
    [
        ("   ", 3, "", "The question is empty"),
        ("x" * 3000, 3, "", "The question is too long (3,000 characters; the limit is 2,000)"),
        ("hiring", 0, "", "k must be a number from 1 to 10"),
        ("hiring", 3, "cooking", "Unknown theme"),
    ],
)
def test_a_refused_question_leaves_the_conversation_and_says_why_beside_the_box(chat, question, k, theme, said):
    [(_, turns, _, _)] = steps(chat.respond(DATA_ENGINE, [], 3, "", "extractive"))
    [(page, after, box, status)] = steps(chat.respond(question, turns, k, theme, "extractive"))
    assert after == turns and page.count('class="turn"') == 1
    assert box is not None and said in status and 'class="error"' in status  # the box keeps what was typed


def test_a_theme_filter_is_said_and_off_topic_cards_are_folded_without_copy(chat):
    [(page, _, _, _)] = steps(chat.respond("data labeling", [], 3, "training", "extractive"))
    assert "Only the theme “Training neural networks” was searched" in page
    [(page, turns, _, _)] = steps(chat.respond("best pizza in Naples?", [], 3, "", "extractive"))
    assert turns[0]["answer"]["on_topic"] is False
    closest = len(turns[0]["answer"]["citations"])
    assert closest and f'<details class="off-topic"><summary>The closest cards, not on your topic ({closest})' in page
    assert 'class="copy"' not in page
    # ... and thanks, which shows no card, has no empty fold ("The closest cards, not on your topic (0)")
    [(page, turns, _, _)] = steps(chat.respond("ok thx!", turns, 3, "", "extractive"))
    assert "Glad it helped" in page and page.count('class="off-topic"') == 1


def test_an_answer_that_points_back_folds_the_card_above(chat):
    """ "and for a tiny startup?" after the moat: the answer stands; its card, shown in full just above, is
    cited again folded (the lead says which it is), and anything new after it is shown in full."""
    [(_, turns, _, _)] = steps(chat.respond("how do AI companies build a moat", [], 3, "", "extractive"))
    [(page, turns, _, _)] = steps(chat.respond("and for a tiny startup?", turns, 3, "", "extractive"))
    answer = turns[1]["answer"]
    assert answer["points_back"] and "the answer on the topic stands" in answer["lead"]
    last = page[page.rindex('class="turn"') :]
    above = answer["citations"][0]
    assert f'<details class="above"><summary>[1] {above["title"]}: the card shown above</summary>' in last
    assert last.count('<details class="above">') == 1 and last.count('class="card ') == len(answer["citations"])


def test_votes_keep_one_line_per_answer(chat, settings):
    [(_, turns, _, _)] = steps(chat.respond(DATA_ENGINE, [], 3, "", "extractive"))
    answer_id = turns[0]["id"]

    def logged():  # each answer's last judgement, as `ask-karpathy feedback` reads the log
        return [line for line in feedback.read_latest(settings.feedback_path)[0] if line["answer_id"] == answer_id]

    for liked, said in ((False, "Saved: not useful"), (True, "Saved: useful"), (None, "Vote withdrawn")):
        page, turns = chat.vote(turns, gr.EventData(None, {"turn": answer_id, "liked": liked}))
        assert [entry["liked"] for entry in logged()] == [liked] and turns[0]["vote"] is liked
        assert f'<p class="ack" role="status">{said}' in page
    page, turns = chat.why(turns, gr.EventData(None, {"turn": answer_id, "why": "  no quote on hiring  "}))
    [entry] = logged()
    assert entry["why"] == "no quote on hiring"
    assert entry["cited_ids"] == [c["id"] for c in turns[0]["answer"]["citations"]]
    assert chat.vote(turns, gr.EventData(None, {"turn": "not-a-turn", "liked": True})) == (gr.skip(), gr.skip())


def test_reload_restores_and_a_shared_link_asks_once(chat):
    shared = SimpleNamespace(query_params=QueryParams("q=hiring"))
    asked = steps(chat.restore([], 3, "", "extractive", shared))
    turns = asked[-1][1]
    assert [t["question"] for t in turns] == ["hiring"] and asked[-1][2] == gr.skip()  # a box being typed in stays
    # a reload of the same address: the kept conversation, nothing asked again
    [(page, again, _, _)] = steps(chat.restore(turns, 3, "", "extractive", shared))
    assert again == turns and page.count('class="turn"') == 1
    # a conversation this version cannot read (or a reload mid-answer) is dropped, not an error
    [(page, kept, _, _)] = steps(
        chat.restore(
            [{"id": "x", "question": "q"}, "junk", *turns],
            3,
            "",
            "extractive",
            SimpleNamespace(query_params=QueryParams("")),
        )
    )
    assert kept == turns
    # a shared follow-up carries the questions before it, and opens as its own conversation
    follow = SimpleNamespace(query_params=QueryParams(f"q=why%3F&after={DATA_ENGINE}"))
    *_, (page, opened, _, _) = steps(chat.restore(turns, 3, "", "extractive", follow))
    assert [t["question"] for t in opened] == [DATA_ENGINE, "why?"]
    assert opened[1]["answer"] == chat.api.answer("why?", 3, "", [DATA_ENGINE]).model_dump(mode="json")
    # the earlier answers a link replays were given by this server: they can be rated like any other
    page, _ = chat.vote(opened, gr.EventData(None, {"turn": opened[0]["id"], "liked": True}))
    assert '<p class="ack" role="status">Saved: useful' in page
    assert chat.clear() == (chat.page([]), [], "")
    assert 'data-ask="What is Software 2.0?"' in chat.page([])  # the examples ask on click


def test_ask_about_a_corpus_card_goes_back_to_the_chat(chat):
    *_, last = steps(chat.ask_about([], 3, "", "extractive", gr.EventData(None, {"question": "data engine?"})))
    assert last[1][0]["question"] == "data engine?" and last[4].selected == "chat"


def test_the_corpus_filter_matches_only_what_a_card_shows(chat, searcher):
    every = chat.filter_corpus("")
    assert every.count('<details class="theme">') == 5 and every.count('<li class="card ') == 50
    assert "No card shows “hiring”" in chat.filter_corpus("hiring")  # a curated keyword only
    shown = chat.filter_corpus("backprop")
    assert shown.count('<li class="card ') == 1 and "Yes, You Should Understand Backprop" in shown
    assert 'data-ask="What would Karpathy say about Yes, You Should Understand Backprop?"' in shown
    assert f'data-copy="{web_render.e(cite(searcher.corpus.get(36), searcher.corpus, "bibtex"))}"' in shown


class FixedBackend:
    """A model that streams a fixed reply."""

    label = "fixed (test)"

    def __init__(self, text: str):
        self.text = text

    def stream(self, messages, max_tokens, temperature):
        yield from self.text.split(" ")


def test_local_mode_shows_a_status_and_only_checked_sentences(chat, monkeypatch):
    monkeypatch.setattr(
        web.generate,
        "get_backend",
        lambda settings: FixedBackend(
            "<question> raw </question> The answer is: [1] Sort your data by loss to find bad labels [1]. Zebras fly [9]."
        ),
    )
    shown = steps(chat.respond("why sort my data by loss", [], 3, "", "local"))
    drafting, final = [step[0] for step in shown[:-1]], shown[-1]
    assert web.DRAFTING in drafting[0] and 'class="card' in drafting[0]  # the cards from the start
    assert all("question&gt;" not in page and "Zebras" not in page for page in drafting)
    answer = final[1][0]["answer"]
    assert answer["mode"] == "local" or answer["local"]["notice"]
    assert "Zebras" not in final[0] and web.DRAFTING not in final[0]


def test_cards_escape_everything_and_link_only_web_addresses():
    assert web_render.link("javascript:alert(1)", "x") == "x"
    assert web_render.link("https://karpathy.github.io/?a=1&b=<2>", "<t>") == (
        '<a href="https://karpathy.github.io/?a=1&amp;b=&lt;2&gt;" target="_blank" rel="noopener noreferrer">'
        "&lt;t&gt;</a>"
    )
    turn = {
        "id": "t1",
        "question": '<img src=x onerror="alert(1)">',
        "theme": "",
        "vote": None,
        "answer": {
            "question": "q",
            "on_topic": True,
            "lead": "See [1] and [7] <b>now</b>",
            "text": "t",
            "citations": [
                {
                    "n": 1,
                    "id": 1,
                    "kind": "paraphrase",
                    "title": "<script>x</script>",
                    "theme": "training",
                    "theme_name": "Training",
                    "score": 1.0,
                    "quotes": [],
                    "quoting": None,
                    "paraphrase": "a <b>bold</b> claim",
                    "sources": [{"n": 1, "status": "resolved", "label": "l", "title": "T", "url": "ftp://x"}],
                    "copy_text": {f: "<b>" for f in FORMATS},
                }
            ],
        },
    }
    page = web_render.conversation([turn], [])
    assert "<img" not in page and "<b>" not in page and "<script>" not in page and '<a href="ftp' not in page
    assert '<a class="ref" href="#c-t1-1">[1]</a> and [7]' in page  # [n] links to its card, only if it exists
    assert 'id="c-t1-1"' in page and 'data-copy="&lt;b&gt;"' in page
    assert "Paraphrase, not his words" in page and "<blockquote>" not in page


def test_feedback_appends_its_line_and_a_read_only_data_dir_costs_only_the_feedback(tmp_path):
    log = tmp_path / "data" / "feedback.jsonl"
    old = {"question": "q", "liked": False}  # a line from before answers had ids: kept as it is
    assert feedback.save(log, old) and feedback.save(log, {"answer_id": "a", "liked": True})
    assert feedback.save(log, {"answer_id": "b", "liked": True})
    before = log.read_bytes()
    assert feedback.save(log, {"answer_id": "a", "liked": None})
    assert log.read_bytes().startswith(before)  # appended, not rewritten
    assert feedback.read_latest(log)[0] == [old, {"answer_id": "a", "liked": None}, {"answer_id": "b", "liked": True}]
    blocker = tmp_path / "a-file"
    blocker.write_text("")  # a directory cannot be made under a file, even by root
    assert feedback.save(blocker / "data" / "feedback.jsonl", old) is False


def test_the_feedback_log_stays_within_its_size_keeping_the_newest_judgements(tmp_path):
    """Votes can be sent over raw HTTP: past its size the log is compacted to the newest judgements."""
    path = tmp_path / "feedback.jsonl"
    for n in range(200):
        assert feedback.save(
            path, {"answer_id": f"a{n % 150}", "question": "q" * 50, "liked": n % 2 == 0}, max_bytes=4000
        )
        assert path.stat().st_size <= 4000
    kept = [json.loads(line) for line in path.read_text().splitlines()]
    assert kept[-1] == {"answer_id": "a49", "question": "q" * 50, "liked": False}  # the newest is there
    assert len({e["answer_id"] for e in kept}) == len(kept)  # each answer once after a compaction
