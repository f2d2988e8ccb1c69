"""The web chat: a Gradio app over the core, with an API for programs and MCP tools for agents.

Endpoints (gradio_client): /ask (answer text and structured citations), /search (ranked passages) and
/what_would_karpathy_say (the answer as text); each is also an MCP tool, at /gradio_api/mcp/.

The chat page is laid out here and its handlers (class Chat) are plain methods, testable without a
browser; its HTML is app/web/render.py, its CSS and script app/web/assets.py. Retrieval, answers,
follow-ups and citation strings all come from the core (app.retrieval.search, app.answering, app.answering.citations); what is
shown is their output, escaped. Nothing on the page is fetched from outside the machine, and the server
binds 127.0.0.1 unless told otherwise.
"""

import collections
import datetime
import threading
import unicodedata
import uuid

import gradio as gr
from starlette.middleware import Middleware

import app.offline.feedback as feedback
import app.local.backends as generate
from app.answering.cards import search_response
from app.answering.citations import FORMATS
from app.answering.conversation import answer_in_conversation, current_turn
from app.answering.extractive import copy_answer
from app.config import DEFAULT_K, MAX_K, MAX_PREVIOUS_QUESTIONS, THEMES, get_settings
from app.contract import Answer
from app.local.answer import stream_answer
from app.retrieval.question import QuestionError
from app.retrieval.search import Searcher
from app.local.verify import as_shown
from app.web.limits import RequestLimits, is_loopback
from app.web.live import CorpusChanged, Live
from app.web.assets import CONVERSATION_JS, CORPUS_JS, CSS, QUESTION_JS
from app.web.render import conversation, corpus_page, message

EXAMPLES = [
    "What would Karpathy say about the data engine?",
    "How should I start training a neural network?",
    "Is AGI coming soon?",
    "What is Software 2.0?",
    "How should I learn deep learning?",
]
# The conversation lives in the browser (it survives a reload); only its latest answers are kept, so
# what is stored and sent back with every question stays small.
MAX_TURNS = 20
HEADER = "<h1>Ask Karpathy</h1><p>What would Andrej Karpathy say about X? His own words, cited.</p>"
# Votes are taken only for answers this server gave, the newest this many: the vote event can be called
# over raw HTTP with any conversation, and made-up answers (megabytes of "question") once grew the log
# without bound. What is logged is the server's own record of the answer, never what the client sends.
MAX_VOTABLE = 5_000
MAX_WHY = 1000  # characters of the optional note
NOT_VOTABLE = "This answer was given before the server restarted, so it cannot be rated; ask again to rate it."
DRAFTING = "The local model is drafting; each sentence is shown only once it is checked against the passage it cites…"


def _check(k, theme, previous_questions=None, default_k: int = DEFAULT_K) -> tuple[int, str | None, list[str]]:
    """The API takes any JSON, so its limits are enforced here, not only by the page's controls. No k: the
    server's setting (ASK_KARPATHY_TOP_K)."""
    k = default_k if k is None else k
    if isinstance(k, bool) or not isinstance(k, int | float) or not 1 <= k <= MAX_K:
        raise gr.Error(f"k must be a number from 1 to {MAX_K}.", print_exception=False)
    if theme and (not isinstance(theme, str) or theme not in THEMES):
        raise gr.Error(
            f"Unknown theme {theme!r}: use one of {', '.join(THEMES)}, or leave it empty.", print_exception=False
        )
    previous = previous_questions or []
    if not isinstance(previous, list) or not all(isinstance(q, str) for q in previous):
        raise gr.Error("previous_questions must be a list of questions (text).", print_exception=False)
    if any(unicodedata.category(c) == "Cs" for q in previous[-MAX_PREVIOUS_QUESTIONS:] for c in q):
        raise gr.Error("previous_questions must be valid UTF-8 text.", print_exception=False)
    return int(k), theme or None, previous  # app.answering.conversation keeps only the latest MAX_PREVIOUS_QUESTIONS


class Api:
    """The public endpoints, each also an MCP tool named after its method. /ask and /search return
    app/contract.py's shapes as JSON text, the text `ask-karpathy ask --json` and `search --json` print:
    an MCP tool's result is text, and one serialisation everywhere keeps the three equal."""

    def __init__(self, searcher: Searcher):
        self.live = Live(searcher)

    @property
    def searcher(self) -> Searcher:
        """The searcher of the corpus and passages as they are on disk now (app/web/live.py)."""
        try:
            return self.live.get()
        except CorpusChanged as e:
            raise gr.Error(str(e), print_exception=False) from None

    def answer(self, question: str, k: int, theme: str, previous_questions: list[str] | None = None) -> Answer:
        k, theme, previous = _check(k, theme, previous_questions, self.live.settings.top_k)
        try:
            return answer_in_conversation(self.searcher, question, previous, k, theme)
        except QuestionError as e:
            raise gr.Error(str(e), print_exception=False) from None

    def ask(
        self, question: str, k: int | None = None, theme: str = "", previous_questions: list[str] | None = None
    ) -> str:
        """What would Andrej Karpathy say about a topic? His own words from a curated corpus, as an answer with structured citations.

        The answer is extractive (no language model writes it): the closest insights, numbered [1], [2]...,
        his verbatim words in quotation marks, curators' paraphrases labelled as not his words, and under
        each its insight id, title, theme and sources. If nothing in the corpus is on the topic, on_topic is
        false and the answer starts by saying so. Quote only what is in `quotes` as his words.

        Args:
            question: the question, e.g. "what would Karpathy say about hiring?" (a few sentences at most)
            k: how many citations at most, 1 to 10 (empty: the server's setting, 3 unless changed)
            theme: only insights of one theme: software-2.0, strategy, training, learning or future; empty for all
            previous_questions: earlier questions of the same conversation, oldest first, so that a short follow-up such as "and for startups?" or "why?" is understood

        Returns:
            JSON: question (as searched), on_topic, citations (n, id, kind, title, theme, theme_name, score, quotes, quoting, paraphrase, sources, document, copy_text per format plain/markdown/bibtex), mode, lead, text (with [n] markers) and local (null)
        """
        return self.answer(question, k, theme, previous_questions).model_dump_json()

    def what_would_karpathy_say(
        self, question: str, k: int | None = None, theme: str = "", previous_questions: list[str] | None = None
    ) -> str:
        """What would Andrej Karpathy say about a topic? The same answer as the ask tool, as text only.

        Args:
            question: the question, e.g. "what would Karpathy say about hiring?" (a few sentences at most)
            k: how many citations at most, 1 to 10 (empty: the server's setting, 3 unless changed)
            theme: only insights of one theme: software-2.0, strategy, training, learning or future; empty for all
            previous_questions: earlier questions of the same conversation, oldest first

        Returns:
            the answer as text, with numbered citations; only what is inside quotation marks is his words
        """
        return self.answer(question, k, theme, previous_questions).text

    def search(self, question: str, k: int | None = None, theme: str = "") -> str:
        """Search Andrej Karpathy's insights: the records closest to a question, ranked and scored.

        Args:
            question: what to look for, e.g. "data labeling"
            k: how many at most, 1 to 10 (empty: the server's setting, 3 unless changed)
            theme: only insights of one theme: software-2.0, strategy, training, learning or future; empty for all

        Returns:
            JSON: question (as searched), on_topic, and citations, as in the ask tool
        """
        k, theme, _ = _check(k, theme, None, self.live.settings.top_k)
        try:
            searcher = self.searcher  # one searcher for the whole answer, even if a reload comes meanwhile
            return search_response(searcher.search(question, k, theme), searcher.corpus).model_dump_json()
        except QuestionError as e:
            raise gr.Error(str(e), print_exception=False) from None


class Chat:
    """The page's event handlers. Each takes the conversation as the browser keeps it (a list of turns:
    question, answer as app/contract.py's Answer, theme, vote) and returns what changes on the page, so
    each can be called, and tested, without a browser."""

    def __init__(self, searcher: Searcher):
        self.api, self.settings = Api(searcher), searcher.settings
        # turn id -> what the feedback log records about it; ids are random, so only the page that was
        # given an answer can rate it
        self.answered: collections.OrderedDict[str, dict] = collections.OrderedDict()
        self._answered_lock = threading.Lock()

    @property
    def searcher(self) -> Searcher:
        return self.api.searcher

    def remember(self, turn: dict) -> None:
        answer = turn["answer"]
        record = {
            "question": turn["question"],
            "read_as": answer["question"],
            "answer": answer["text"],
            "cited_ids": [c["id"] for c in answer["citations"]],
        }
        with self._answered_lock:
            self.answered[turn["id"]] = record
            while len(self.answered) > MAX_VOTABLE:
                self.answered.popitem(last=False)

    def keep(self, turn: dict, answer: Answer) -> None:
        """The answer in its turn, with the whole answer in each copy format for "Copy whole answer"."""
        turn["answer"] = answer.model_dump(mode="json")
        turn["copy"] = {fmt: copy_answer(answer, self.searcher.corpus, fmt) for fmt in FORMATS}

    def page(self, turns: list[dict], acks: dict[str, str] | None = None) -> str:
        return conversation(turns, EXAMPLES, acks)

    def respond(self, question: str, turns: list, k: int, theme: str, mode: str = "extractive", clear_box: bool = True):
        """Answer a question in the conversation. Yields (conversation, turns, question box, message): a
        question the server refuses leaves the conversation and the box as they were, with the reason."""
        turns = kept(turns, self.settings.max_question_chars)[-(MAX_TURNS - 1) :]
        turn = new_turn(question, theme)
        box = "" if clear_box else gr.skip()
        try:
            if mode == "local":
                for _ in self.local_answer(question, turns, k, theme, turn):
                    yield self.page(turns + [turn]), gr.skip(), box, ""
                    box = gr.skip()  # emptied once: a next question typed meanwhile is kept
            else:
                answer = self.api.answer(question, k, theme, [t["question"] for t in turns])
                self.keep(turn, answer)
        except gr.Error as e:
            yield self.page(turns), turns, gr.skip(), message(e.message)
            return
        if "answer" in turn:  # a local model that stopped early leaves a draft: nothing to rate
            self.remember(turn)
        turns = turns + [turn]
        yield self.page(turns), turns, box, ""

    def local_answer(self, question: str, turns: list, k: int, theme: str, turn: dict):
        """Fill `turn` while the local model writes: a status, the sentences that passed, the cards at once."""
        k, theme, _ = _check(k, theme)
        try:
            # read in its conversation as an extractive answer is
            searcher = self.searcher
            read = current_turn(searcher, question, [t["question"] for t in turns], k, theme)
            cited = [c.model_dump(mode="json") for c in search_response(read.result, searcher.corpus).citations]
            turn["draft"] = {"status": DRAFTING, "kept": [], "citations": cited}
            yield
            backend = generate.get_backend(self.settings)
            for event in stream_answer(read, searcher, backend, self.settings.llm_max_tokens):
                if event.kind == "sentence" and event.check.kept:
                    turn["draft"]["kept"].append(as_shown(event.check.text))
                    yield
                elif event.kind == "answer":
                    self.keep(turn, event.answer)
                    del turn["draft"]
        except QuestionError as e:
            raise gr.Error(str(e), print_exception=False) from None
        except (generate.BackendUnavailable, generate.GenerationError) as e:
            raise gr.Error(f"Local model: {e}", print_exception=False) from None

    def ask_from_page(self, turns: list, k: int, theme: str, mode: str, evt: gr.EventData):
        """An example clicked: asked as if typed, leaving whatever is in the question box."""
        yield from self.respond(event_field(evt, "question"), turns, k, theme, mode, clear_box=False)

    def ask_about(self, turns: list, k: int, theme: str, mode: str, evt: gr.EventData):
        """ "Ask about this" on a corpus card: back to the chat, asking about that insight."""
        for step in self.respond(event_field(evt, "question"), turns, k, theme, mode, clear_box=False):
            yield *step, gr.Tabs(selected="chat")

    def vote(self, turns: list, evt: gr.EventData):
        """A thumb: one vote per answer (true, false, or null when withdrawn); the log keeps the last."""
        liked = event_field(evt, "liked")
        return self.record_feedback(turns, event_field(evt, "turn"), vote=liked if isinstance(liked, bool) else None)

    def why(self, turns: list, evt: gr.EventData):
        """The optional "why" box of an answer: saved with its vote, on the same line."""
        return self.record_feedback(
            turns, event_field(evt, "turn"), why=str(event_field(evt, "why") or "")[:MAX_WHY].strip() or None
        )

    def record_feedback(self, turns: list, turn_id: str, **change):
        turns = kept(turns, self.settings.max_question_chars)
        turn = next((t for t in turns if t["id"] == turn_id), None)
        if turn is None:
            return gr.skip(), gr.skip()
        with self._answered_lock:
            record = self.answered.get(turn["id"])
        if record is None:
            return self.page(turns, {turn["id"]: NOT_VOTABLE}), turns
        turn.update(change)
        # the vote and note come back from the browser with the conversation: only their checked shapes are kept
        turn["vote"] = turn.get("vote") if isinstance(turn.get("vote"), bool) else None
        turn["why"] = turn["why"][:MAX_WHY] if isinstance(turn.get("why"), str) else None
        saved = feedback.save(
            self.settings.feedback_path,
            {
                "answer_id": turn["id"],
                **record,
                "liked": turn["vote"],
                "why": turn["why"],
                "timestamp": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            },
            self.settings.max_feedback_bytes,
        )
        if not saved:
            ack = "Feedback could not be saved on the server; the chat still works."
        elif "why" in change:
            ack = "Saved your note. Thank you."
        else:
            ack = {
                True: "Saved: useful. Thank you.",
                False: "Saved: not useful. Thank you; say why below if you like.",
                None: "Vote withdrawn.",
            }[turn["vote"]]
        return self.page(turns, {turn["id"]: ack}), turns

    def restore(self, turns: list, k: int, theme: str, mode: str, request: gr.Request):
        """On load: the conversation kept in the browser. An address with a question (?q=, and the questions
        before it as &after=) is a shared conversation: it opens as its own, answered as the page that shared
        it answered, unless it is the conversation kept here (a reload asks nothing twice)."""
        turns = kept(turns, self.settings.max_question_chars)
        yield self.page(turns), turns, gr.skip(), ""
        params = request.query_params if request else None
        q = params.get("q") if params else None
        if not q:
            return
        after = params.getlist("after")[-MAX_PREVIOUS_QUESTIONS:]
        if [t["question"] for t in turns][-len(after) - 1 :] == [*after, q]:
            return
        shared = []
        for question in after:
            try:
                answer = self.api.answer(question, k, theme, [t["question"] for t in shared])
            except gr.Error:
                continue  # a question this server refuses was not answered on the page either
            turn = new_turn(question, theme)
            self.keep(turn, answer)
            self.remember(turn)  # answered by this server, so it can be rated like any other
            shared.append(turn)
        yield from self.respond(q, shared, k, theme, mode, clear_box=False)

    def clear(self):
        return self.page([]), [], ""

    def filter_corpus(self, needle: str) -> str:
        return corpus_page(self.searcher.corpus, needle)


def event_field(evt: gr.EventData, name: str):
    """A field of the data the page's script sends with an event; None when a raw call sent none (it
    was a traceback)."""
    data = getattr(evt, "_data", None)
    return data.get(name) if isinstance(data, dict) else None


def new_turn(question: str, theme: str) -> dict:
    """A turn of the conversation as the browser keeps it, before its answer."""
    return {"id": uuid.uuid4().hex[:12], "question": question, "theme": theme or "", "vote": None}


def kept(turns, max_chars: int) -> list[dict]:
    """The latest MAX_TURNS answered turns of a stored conversation, dropping any that this version cannot
    read (a reload mid-answer, or a conversation kept by an older version of the page) and any the server
    never answered (a question longer than it takes): the conversation comes back from the client and is
    rendered again."""
    good = []
    for t in turns[-MAX_TURNS:] if isinstance(turns, list) else []:
        try:
            Answer.model_validate(t["answer"])
        except (TypeError, KeyError, ValueError):
            continue
        if isinstance(t.get("id"), str) and isinstance(t.get("question"), str) and len(t["question"]) <= max_chars:
            good.append(t)
    return good


def build_app(searcher: Searcher) -> gr.Blocks:
    settings = searcher.settings
    # the local-model mode is offered only when its backend is there (the `local` extra, or a server)
    local = generate.availability(settings)
    chat = Chat(searcher)
    # the page's own events are not API endpoints; while one runs, a small timer shows, never an overlay
    answering = {"api_visibility": "private", "show_progress": "minimal"}
    quick = {"api_visibility": "private", "show_progress": "hidden"}

    with gr.Blocks(title="Ask Karpathy") as app:
        gr.HTML(HEADER, elem_id="header")
        turns = gr.BrowserState([], storage_key="ask-karpathy-conversation")
        with gr.Tabs() as tabs:
            with gr.Tab("Chat", id="chat"):
                page = gr.HTML(chat.page([]), elem_id="conversation", js_on_load=CONVERSATION_JS)
                with gr.Group(elem_id="ask-bar"):
                    question = gr.Textbox(
                        elem_id="question",
                        label="Your question",
                        show_label=False,
                        lines=1,
                        max_lines=6,
                        submit_btn="Ask",
                        placeholder="Ask about a topic, e.g. hiring…",
                    )
                    status = gr.HTML(
                        "",
                        elem_id="question-status",
                        js_on_load=QUESTION_JS,
                        limit=settings.max_question_chars,
                        html_template='<div class="msg" role="alert">${value || ""}</div>'
                        '<p class="count" aria-live="polite"></p>',
                    )
                with gr.Accordion("Options: number of quotes, theme, answer mode", open=False, elem_id="options"):
                    quotes = gr.Slider(
                        1, MAX_K, value=settings.top_k, step=1, label="Number of quotes", elem_id="quotes"
                    )
                    theme = gr.Dropdown(
                        [("All themes", "")] + [(name, key) for key, name in THEMES.items()],
                        value="",
                        label="Theme",
                        elem_id="theme",
                    )
                    # only modes that work are offered: "local" appears when its backend is available
                    mode = gr.Radio(
                        ["extractive"] + (["local"] if local.available else []),
                        value="extractive",
                        label="Answer mode",
                        elem_id="mode",
                        info="extractive: his words only, no language model. "
                        + (
                            f"local: {local.detail} frames them; every sentence is verified"
                            if local.available
                            else f"A local model is not available: {local.detail}"
                        ),
                    )
                    new = gr.Button("New conversation", elem_id="new-conversation", size="sm")
            with gr.Tab("Browse the corpus", id="corpus"):
                corpus_filter = gr.Textbox(
                    label="Filter: words shown on the cards, a theme, or #27", elem_id="corpus-filter"
                )
                corpus_list = gr.HTML(chat.filter_corpus(""), elem_id="corpus", js_on_load=CORPUS_JS)

        options = [quotes, theme, mode]
        answered = [page, turns, question, status]
        question.submit(chat.respond, [question, turns, *options], answered, **answering)
        page.ask(chat.ask_from_page, [turns, *options], answered, **answering)
        corpus_list.ask(chat.ask_about, [turns, *options], [*answered, tabs], **answering)
        app.load(chat.restore, [turns, *options], answered, **answering)
        page.vote(chat.vote, [turns], [page, turns], **quick)
        page.why(chat.why, [turns], [page, turns], **quick)
        corpus_filter.change(chat.filter_corpus, [corpus_filter], [corpus_list], **quick)
        new.click(chat.clear, None, [page, turns, status], **quick)
        # public endpoints, each also an MCP tool named after its function
        api = chat.api
        gr.api(api.ask, api_name="ask")
        gr.api(api.what_would_karpathy_say, api_name="what_would_karpathy_say")
        gr.api(api.search, api_name="search")

    # two events at once (two cores); beyond 32 waiting, a client is told the queue is full
    return app.queue(default_concurrency_limit=2, max_size=32)


# Nothing on the page uploads a file, and app/web/limits.py refuses uploads; should one get past it, Gradio's
# own cap (50 MB by default) is this
MAX_UPLOAD = "64kb"


def launch(app: gr.Blocks, host: str, port: int, **launch_args):
    """Start the server with the page's CSS, the MCP server on, every request bounded before Gradio reads
    it (app/web/limits.py), sessions capped, never a public share link."""
    settings = get_settings()
    limits = Middleware(
        RequestLimits,
        max_body=settings.max_request_bytes,
        loopback=is_loopback(host),
        auth=launch_args.get("auth") is not None,
    )
    return app.launch(
        server_name=host,
        server_port=port,
        share=False,
        mcp_server=True,
        css=CSS,
        max_file_size=MAX_UPLOAD,
        app_kwargs={"middleware": [limits]},
        state_session_capacity=settings.max_sessions,
        **launch_args,
    )
