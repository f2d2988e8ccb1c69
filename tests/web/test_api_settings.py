"""The web API follows the server's settings: no k given means ASK_KARPATHY_TOP_K, as in the CLI."""

import json

from app.retrieval.search import Searcher
from app.web.app import Api

BROAD = "software 2.0"  # several insights bear on it


def test_the_api_shows_at_most_the_configured_number_of_cards(searcher):
    one = searcher.settings.model_copy(update={"top_k": 1})
    api = Api(Searcher(searcher.corpus, searcher.embedder, searcher.index, one))
    assert len(json.loads(api.ask(BROAD, k=5))["citations"]) > 1  # a k given still wins
    for reply in (api.ask(BROAD), api.search(BROAD)):
        assert len(json.loads(reply)["citations"]) == 1
    assert api.what_would_karpathy_say(BROAD).count("\n[") == 1
