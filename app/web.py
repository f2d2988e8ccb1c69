"""The web chat: a Gradio app over the core, with an API for programs and MCP tools for agents.

Endpoints (gradio_client): /ask (answer text and structured citations), /search (ranked passages) and
/what_would_karpathy_say (the answer as text); each is also an MCP tool, at /gradio_api/mcp/.

This module only renders. Retrieval, answers, follow-ups and citation strings all come from the core
(app.search, app.answer, app.citations); what is shown here is their output, escaped. Nothing on the
page is fetched from outside the machine, and the server binds 127.0.0.1 unless told otherwise.
"""
import os

# before gradio is imported: otherwise it starts threads that call its version-check and telemetry hosts
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"

import datetime
import html
import re
import time

import gradio as gr

from app import feedback, generate
from app.answer import compose, search_response
from app.citations import FORMATS, cite
from app.config import MAX_K, MAX_PREVIOUS_QUESTIONS, THEMES, get_settings
from app.contract import Answer, Citation
from app.corpus import Insight
from app.local_answer import stream_answer
from app.question import QuestionError, contextualize
from app.search import Searcher
EXAMPLES = [
    "What would Karpathy say about the data engine?",
    "How should I start training a neural network?",
    "Is AGI coming soon?",
    "What is Software 2.0?",
    "How should I learn deep learning?",
]
# An extractive answer exists all at once; it is revealed a few words at a time so the first words
# show immediately and the rest reads like a chat (about a second for a three-quote answer).
STREAM_WORDS = 4
STREAM_PAUSE = 0.02

CSS = """
#chatbot .message-content { white-space: pre-wrap; }  /* the answer's indentation is part of it */
.citation-card, .insight-card { border: 1px solid var(--border-color-primary); border-radius: 8px; }
.card { padding: 10px 12px 0; line-height: 1.45; }
.card .head { font-weight: 600; }
.card .meta { color: var(--body-text-color-subdued); font-size: 0.9em; }
.card .label { font-size: 0.85em; text-transform: uppercase; letter-spacing: 0.03em;
               color: var(--body-text-color-subdued); margin-top: 6px; }
.card blockquote { margin: 4px 0; padding-left: 10px; border-left: 3px solid var(--color-accent); }
.card ul { margin: 4px 0 0; padding-left: 18px; font-size: 0.9em; }
"""


def card_html(title: str, kind: str, quotes: list[str], quoting: str | None, paraphrase: str | None,
              meta: str, sources: list[str], number: int | None = None) -> str:
    """One citation or insight as HTML. Every string from the corpus is escaped: it is shown, never run."""
    e = html.escape
    number_attr, head = (f' data-n="{number}"', f'<span class="number">[{number}]</span> ') if number else ("", "")
    parts = [f'<div class="card"{number_attr}>', f'<div class="head">{head}{e(title)}</div>',
             f'<div class="meta">{e(meta)}</div>']
    if quotes:
        label = f"Quote: {quoting}, quoted by Karpathy" if quoting else "Quote: his words, verbatim"
        parts.append(f'<div class="label">{e(label)}</div>')
        parts += [f"<blockquote>“{e(quote)}”</blockquote>" for quote in quotes]
        if paraphrase:
            parts.append('<div class="label">Context, paraphrased (not his words)</div>')
            parts.append(f"<div>{e(paraphrase)}</div>")
    elif paraphrase:
        parts.append('<div class="label">Paraphrase: not his words</div>')
        parts.append(f"<div>{e(paraphrase)}</div>")
    parts.append("<ul>" + "".join(f"<li>{e(source)}</li>" for source in sources or ["no source given"]) + "</ul>")
    return "".join(parts) + "</div>"


def citation_card(c: Citation) -> str:
    ref = f"insight #{c.id}" if c.document is None else f"passage {c.id}"
    return card_html(c.title, c.kind, c.quotes, c.quoting, c.paraphrase, f"{c.theme_name} · {ref}",
                     [s.label for s in c.sources], c.n)


def insight_card(insight: Insight, searcher: Searcher) -> str:
    sources = [searcher.corpus.sources[n].label() for n in insight.sources]
    return card_html(insight.title, insight.kind, insight.quotes, insight.quoting, insight.paraphrase,
                     f"{insight.theme_name} · insight #{insight.id}", sources)


def copy_box(text: str, label: str, elem_id: str) -> gr.Textbox:
    """The exact citation string with a one-click copy button: the clipboard gets `text` unchanged."""
    return gr.Textbox(text, label=label, buttons=["copy"], interactive=False, lines=len(text.splitlines()),
                      max_lines=12, elem_id=elem_id, elem_classes=["citation-copy"])


def as_text(message: str) -> str:
    """A chat message that shows as the text it is. The Chatbot renders messages as (sanitized) HTML even
    with Markdown off; with every "<" escaped no tag can form, so HTML in a question or a passage is shown,
    not run. The message's copy button then gives "&lt;" where a "<" was; the citation copy boxes are exact."""
    return message.replace("<", "&lt;")


def reveal(text: str):
    """Ever longer prefixes of `text`, a few words at a time, ending with all of it."""
    ends = [m.end() for m in re.finditer(r"\S+", text)]
    for end in ends[STREAM_WORDS - 1::STREAM_WORDS]:
        yield text[:end]
    yield text


def _check(k, theme, previous_questions=None) -> tuple[int, str | None, list[str]]:
    """The API takes any JSON, so its limits are enforced here, not only by the page's controls."""
    if isinstance(k, bool) or not isinstance(k, int | float) or not 1 <= k <= MAX_K:
        raise gr.Error(f"k must be a number from 1 to {MAX_K}.", print_exception=False)
    if theme and theme not in THEMES:
        raise gr.Error(f"Unknown theme {theme!r}: use one of {', '.join(THEMES)}, or leave it empty.",
                       print_exception=False)
    previous = previous_questions or []
    if not isinstance(previous, list) or not all(isinstance(q, str) for q in previous):
        raise gr.Error("previous_questions must be a list of questions (text).", print_exception=False)
    return int(k), theme or None, previous[-MAX_PREVIOUS_QUESTIONS:]


class Api:
    """The public endpoints, each also an MCP tool named after its method; all return app/contract.py's
    shapes, as `ask-karpathy ask --json` and `search --json` do."""

    def __init__(self, searcher: Searcher):
        self.searcher = searcher

    def answer(self, question: str, k: int, theme: str, previous_questions: list[str] | None = None) -> Answer:
        k, theme, previous = _check(k, theme, previous_questions)
        try:
            if not isinstance(question, str):
                raise QuestionError("The question must be text.")
            return compose(self.searcher.search(contextualize(question, previous), k, theme), self.searcher.corpus)
        except QuestionError as e:
            raise gr.Error(str(e), print_exception=False) from None

    def ask(self, question: str, k: int = 3, theme: str = "", previous_questions: list[str] | None = None) -> dict:
        """What would Andrej Karpathy say about a topic? His own words from a curated corpus, as an answer with structured citations.

        The answer is extractive (no language model writes it): the closest insights, numbered [1], [2]...,
        his verbatim words in quotation marks, curators' paraphrases labelled as not his words, and under
        each its insight id, title, theme and sources. If nothing in the corpus is on the topic, on_topic is
        false and the answer starts by saying so. Quote only what is in `quotes` as his words.

        Args:
            question: the question, e.g. "what would Karpathy say about hiring?" (a few sentences at most)
            k: how many citations at most, 1 to 10
            theme: only insights of one theme: software-2.0, strategy, training, learning or future; empty for all
            previous_questions: earlier questions of the same conversation, oldest first, so that a short follow-up such as "and for startups?" or "why?" is understood

        Returns:
            question (as searched), on_topic, citations (n, id, kind, title, theme, theme_name, score, quotes, quoting, paraphrase, sources, document, copy_text per format plain/markdown/bibtex), mode, text (with [n] markers) and local (null)
        """
        return self.answer(question, k, theme, previous_questions).model_dump(mode="json")

    def what_would_karpathy_say(self, question: str, k: int = 3, theme: str = "",
                                previous_questions: list[str] | None = None) -> str:
        """What would Andrej Karpathy say about a topic? The same answer as the ask tool, as text only.

        Args:
            question: the question, e.g. "what would Karpathy say about hiring?" (a few sentences at most)
            k: how many citations at most, 1 to 10
            theme: only insights of one theme: software-2.0, strategy, training, learning or future; empty for all
            previous_questions: earlier questions of the same conversation, oldest first

        Returns:
            the answer as text, with numbered citations; only what is inside quotation marks is his words
        """
        return self.answer(question, k, theme, previous_questions).text

    def search(self, question: str, k: int = 3, theme: str = "") -> dict:
        """Search Andrej Karpathy's insights: the records closest to a question, ranked and scored.

        Args:
            question: what to look for, e.g. "data labeling"
            k: how many at most, 1 to 10
            theme: only insights of one theme: software-2.0, strategy, training, learning or future; empty for all

        Returns:
            question (as searched), on_topic, and citations, as in the ask tool
        """
        k, theme, _ = _check(k, theme)
        try:
            if not isinstance(question, str):
                raise QuestionError("The question must be text.")
            return search_response(self.searcher.search(question, k, theme), self.searcher.corpus).model_dump(mode="json")
        except QuestionError as e:
            raise gr.Error(str(e), print_exception=False) from None


def build_app(searcher: Searcher) -> gr.Blocks:
    corpus, settings = searcher.corpus, searcher.settings
    # the local-model mode is offered only when its backend is there (the `local` extra, or a server)
    local = generate.availability(settings)
    modes = ["extractive"] + (["local"] if local.available else [])

    api = Api(searcher)

    def local_answer(read_as: str, k: int, theme: str):
        """Drafts of the model's raw text as it streams (shown as a draft), then the verified Answer."""
        k, theme, _ = _check(k, theme)
        try:
            result = searcher.search(read_as, k, theme)
            draft = ""
            for event in stream_answer(result, searcher, generate.get_backend(settings), settings.llm_max_tokens):
                if event.kind == "token":
                    draft += event.token
                    yield f"(local model drafting; every sentence is checked before it is kept)\n\n{draft}"
                elif event.kind == "answer":
                    yield event.answer
        except QuestionError as e:
            raise gr.Error(str(e), print_exception=False) from None
        except (generate.BackendUnavailable, generate.GenerationError) as e:
            raise gr.Error(f"Local model: {e}", print_exception=False) from None

    def respond(question: str, history: list, turns: list, k: int, theme: str, mode: str = "extractive"):
        read_as = contextualize(question, [t["question"] for t in turns])
        history = history + [{"role": "user", "content": as_text(question)}, {"role": "assistant", "content": ""}]
        if mode == "local":
            for i, step in enumerate(local_answer(read_as, k, theme)):
                if isinstance(step, Answer):
                    result = step
                    break
                history[-1] = {"role": "assistant", "content": as_text(step)}
                yield history, "" if i == 0 else gr.skip(), gr.skip(), gr.skip()
        else:
            result = api.answer(read_as, k, theme)
        text = result.text if read_as == question else f'(A follow-up, read as: "{result.question}")\n\n{result.text}'
        for i, shown in enumerate(reveal(text)):
            history[-1] = {"role": "assistant", "content": as_text(shown)}
            # the box is emptied once, so a next question typed while this answer streams is kept
            yield history, "" if i == 0 else gr.skip(), gr.skip(), gr.skip()
            time.sleep(STREAM_PAUSE)
        turn = {"index": len(history) - 1, "question": question, "read_as": result.question, "answer": text,
                "cited_ids": [c.id for c in result.citations]}
        yield history, gr.skip(), turns + [turn], result.citations

    def record_feedback(turns: list, like: gr.LikeData) -> str:
        turn = next((t for t in turns if t["index"] == like.index), None)
        if turn is None:
            return gr.skip()
        # a second click on the same thumb withdraws it (Gradio then sends ""): logged as liked = null
        entry = {"question": turn["question"], "read_as": turn["read_as"], "answer": turn["answer"],
                 "cited_ids": turn["cited_ids"], "liked": like.liked if isinstance(like.liked, bool) else None,
                 "timestamp": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")}
        return feedback.save(settings.feedback_path, entry)

    with gr.Blocks(title="Ask Karpathy") as app:
        with gr.Row(equal_height=True):
            gr.Markdown("## Ask Karpathy\nWhat would Andrej Karpathy say about X? His own words, cited.")
            citation_format = gr.Radio(list(FORMATS), value="plain", label="Citation format (for copying)",
                                       elem_id="citation-format")
        turns = gr.State([])  # one entry per answer: what was asked, how it was read, what was cited
        cites = gr.State([])  # the citations of the latest answer, shown as cards
        with gr.Tab("Chat", id="chat"):
            with gr.Row():
                with gr.Column(scale=3):
                    chatbot = gr.Chatbot(elem_id="chatbot", label="Answers", buttons=["copy", "copy_all"],
                                         height=460, render_markdown=False,
                                         placeholder="Ask a question below, or pick an example.")
                    question_box = gr.Textbox(elem_id="question", show_label=False, submit_btn="Ask",
                                              placeholder="What would Karpathy say about...",
                                              max_length=settings.max_question_chars)
                    gr.Examples(EXAMPLES, inputs=[question_box], label="Examples")
                    feedback_status = gr.Markdown(elem_id="feedback-status")
                with gr.Column(scale=2):
                    # only modes that work are offered: "local" appears when its backend is available
                    mode = gr.Radio(modes, value="extractive", label="Answer mode", elem_id="mode",
                                    info="extractive: his words only, no language model. " + (
                                        f"local: {local.detail} frames them; every sentence is verified"
                                        if local.available else f"A local model is not available: {local.detail}"))
                    quotes = gr.Slider(1, MAX_K, value=settings.top_k, step=1, label="Number of quotes",
                                       elem_id="quotes")
                    theme_menu = gr.Dropdown([("All themes", "")] + [(name, key) for key, name in THEMES.items()],
                                             value="", label="Theme", elem_id="theme")
                    gr.Markdown("### Citations")
                    with gr.Column(elem_id="citations"):
                        @gr.render(inputs=[cites, citation_format])
                        def citation_cards(citations: list[Citation], fmt: str):
                            if not citations:
                                gr.Markdown("The citations of the latest answer appear here, numbered as in it.")
                            for c in citations:
                                with gr.Group(elem_classes=["citation-card"]):
                                    gr.HTML(citation_card(c))
                                    copy_box(c.copy_text[fmt], f"Citation [{c.n}], {fmt}", f"citation-{c.n}")

        with gr.Tab("Browse the corpus", id="corpus", elem_id="corpus"):
            corpus_filter = gr.Textbox(label="Filter", placeholder="a word, a theme, or #27", elem_id="corpus-filter")

            @gr.render(inputs=[corpus_filter, citation_format])
            def corpus_cards(needle: str, fmt: str):
                needle = (needle or "").strip().lower()
                shown = [i for i in corpus.insights if needle in " ".join(
                    [f"#{i.id}", i.title, i.text, i.theme_name, *i.keywords]).lower()]
                if not shown:
                    gr.Markdown("No insight matches that filter.")
                for key, name in THEMES.items():
                    in_theme = [i for i in shown if i.theme == key]
                    if in_theme:
                        gr.Markdown(f"### {name} ({len(in_theme)})")
                    for insight in in_theme:
                        with gr.Group(elem_classes=["insight-card"]):
                            gr.HTML(insight_card(insight, searcher))
                            copy_box(cite(insight, corpus, fmt), f"Citation, {fmt}", f"insight-{insight.id}")

        question_box.submit(respond, [question_box, chatbot, turns, quotes, theme_menu, mode],
                            [chatbot, question_box, turns, cites], api_visibility="private")
        chatbot.like(record_feedback, [turns], [feedback_status], api_visibility="private")
        chatbot.clear(lambda: ([], []), None, [turns, cites], api_visibility="private")
        # public endpoints, each also an MCP tool named after its function
        gr.api(api.ask, api_name="ask")
        gr.api(api.what_would_karpathy_say, api_name="what_would_karpathy_say")
        gr.api(api.search, api_name="search")

    # two events at once (two cores); beyond 32 waiting, a client is told the queue is full
    return app.queue(default_concurrency_limit=2, max_size=32)


# Nothing on the page uploads a file, yet Gradio's upload route is always there (50 MB by default):
# anything bigger than a request's JSON is refused
MAX_UPLOAD = "64kb"


def launch(app: gr.Blocks, host: str, port: int, **launch_args):
    """Start the server with the page's CSS, the MCP server on, uploads capped, never a public share link."""
    return app.launch(server_name=host, server_port=port, share=False, mcp_server=True, css=CSS,
                      max_file_size=MAX_UPLOAD, **launch_args)

