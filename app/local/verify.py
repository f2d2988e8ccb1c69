"""Checks a local model's answer, sentence by sentence, against the numbered passages it was shown.

A sentence is kept only if
1. it cites at least one passage, as [n] or [n, m], and every number it cites was shown;
2. every span it puts inside quotation marks is verbatim in his words in a passage it cites
   (app.corpus.records.is_verbatim: his quotes or the quoted fragments the corpus marks; the curator's
   paraphrase is not his words);
3. it spells his name right, has words besides its citation and does not repeat a kept sentence; and
4. it is similar enough to a passage it cites (cosine of the sentence embeddings, SUPPORT_THRESHOLD).
   Similarity measures whether a sentence is about what the passage says, not whether it agrees: a
   sentence that negates its passage can pass. Sentences are framing; his words are shown under [n].
Anything else is dropped whole, never repaired: a sentence that misquotes or cites the wrong passage
would still put words in his mouth with its quotation marks removed. The splitter works on a stream,
so each sentence is checked as soon as the next one starts.
"""

import re

import numpy as np

from app.contract import SentenceCheck
from app.corpus.records import Passage, Record, fold, is_verbatim
from app.retrieval.embedder import Embedder, OnnxEmbedder

# Cosine similarity between a sentence and the best passage it cites, below which the sentence is dropped
# as unsupported: the value that keeps every sentence hand-labelled as supported by its passage and drops
# nearly all the others (bench/calibrate_support.py over bench/support_labels.jsonl, numbers in
# docs/local-model.md). Calibrated on all-MiniLM-L6-v2's cosines; re-run with all-mpnet-base-v2 and its
# adapter, it still keeps every labelled supported sentence and no sentence compared with a random passage.
SUPPORT_THRESHOLD = 0.50

CITATION = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
# a double-quoted span, straight or curly; a single-quoted one must start and end at a word boundary so
# that apostrophes ("I'm", "models'") are not read as quotation marks
DOUBLE_QUOTED = re.compile(r'"([^"]*)"|“([^“”]*)”')
SINGLE_QUOTED = re.compile(r"(?<!\w)['‘]([^'‘’\n]+?)['’](?!\w)")
# a sentence ends at . ! or ? (then closing quotes or brackets, then any [n] citations on the same line,
# then whitespace before the next sentence), or at a line break: a citation after the full stop belongs
# to the sentence before it, one that starts a line to the sentence after it (as in a numbered list)
BOUNDARY = re.compile(r"""[.!?]+["”’')]*(?:[ \t]*\[\d+(?:\s*,\s*\d+)*\])*[ \t]+(?=[^\s\[])|\s*\n\s*(?=\S)""")
LEADING_CITATIONS = re.compile(r"^((?:\[\d+(?:\s*,\s*\d+)*\]\s*)+)(.*)$", re.DOTALL)
ENDED = re.compile(r"""[.!?]["”’')]*(?:\s*\[\d+(?:\s*,\s*\d+)*\])*$""")
ABBREVIATION = re.compile(r"\b(?:e\.g|i\.e|vs|cf)$", re.IGNORECASE)
# small models misspell his name ("Karpathi"); a sentence that does is not fit to show
HIS_NAME = re.compile(r"\bkarp\w*", re.IGNORECASE)


def _quotes_balanced(text: str) -> bool:
    return text.count('"') % 2 == 0 and text.count("“") == text.count("”")


def _ends_sentence(before: str, boundary: str) -> bool:
    """A boundary counts unless it falls inside a quotation or right after "e.g." and the like."""
    if boundary.startswith(".") and ABBREVIATION.search(before):
        return False
    return _quotes_balanced(before + boundary)


class SentenceSplitter:
    """Cuts streamed text into sentences; a sentence is complete once the next one has begun."""

    def __init__(self):
        self.buffer = ""

    def feed(self, piece: str) -> list[str]:
        self.buffer += piece
        sentences, start = [], 0
        for boundary in BOUNDARY.finditer(self.buffer):
            if _ends_sentence(self.buffer[start : boundary.start()], boundary.group()):
                sentences.append(self.buffer[start : boundary.end()].strip())
                start = boundary.end()
        self.buffer = self.buffer[start:]
        return [s for s in sentences if s]

    def finish(self) -> list[str]:
        rest, self.buffer = self.buffer.strip(), ""
        return [rest] if rest else []


def split_sentences(text: str) -> list[str]:
    splitter = SentenceSplitter()
    return splitter.feed(text) + splitter.finish()


def as_shown(sentence: str) -> str:
    """A kept sentence as the answer shows it: citations that lead it ("[2] He said...", the way a list
    is written) moved after its words, and a full stop if it has none, so that sentences joined into one
    paragraph cannot lend their citations to a neighbour."""
    leading = LEADING_CITATIONS.match(sentence)
    if leading and leading.group(2).strip():
        sentence = f"{leading.group(2).strip()} {' '.join(leading.group(1).split())}"
    return sentence if ENDED.search(sentence) else f"{sentence}."


def cited_numbers(sentence: str) -> list[int]:
    return sorted({int(n) for group in CITATION.findall(sentence) for n in re.split(r"\s*,\s*", group)})


def quoted_spans(sentence: str) -> list[str] | None:
    """Every span the sentence puts in quotation marks; None if a quotation mark is left open."""
    if not _quotes_balanced(sentence):
        return None
    spans = [a or b for a, b in DOUBLE_QUOTED.findall(sentence)]
    rest = DOUBLE_QUOTED.sub(" ", sentence)
    return spans + SINGLE_QUOTED.findall(rest)


def shown_text(record: Record) -> str:
    """The words of a record the model is shown, and that its sentences are compared with."""
    return record.clean if isinstance(record, Passage) else record.text


def bare_text(sentence: str) -> str:
    """The sentence without citations and quotation marks, as it is embedded for the support check."""
    text = CITATION.sub(" ", sentence)
    text = re.sub(r"[\"“”]", "", text)
    return re.sub(r"\s+", " ", text).strip()


class Verifier:
    """Checks sentences against the passages shown to the model, numbered from 1 in the given order."""

    def __init__(self, passages: list[Record], embedder: Embedder | OnnxEmbedder, threshold: float = SUPPORT_THRESHOLD):
        self.passages = {n: record for n, record in enumerate(passages, 1)}
        self.embedder = embedder
        self.threshold = threshold
        self.vectors = embedder.encode([shown_text(record) for record in passages]) if passages else None
        self.kept_texts: set[str] = set()

    def support(self, sentence: str, cited: list[int]) -> float:
        vector = self.embedder.encode([bare_text(sentence)])[0]
        return float(max(self.vectors[n - 1] @ vector for n in cited))

    def check(self, sentence: str) -> SentenceCheck:
        cited = cited_numbers(sentence)

        def dropped(reason: str, support: float | None = None) -> SentenceCheck:
            return SentenceCheck(text=sentence, cited=cited, kept=False, reason=reason, support=support)

        if not cited:
            return dropped("cites no passage")
        unknown = [n for n in cited if n not in self.passages]
        if unknown:
            shown = f"[1]–[{len(self.passages)}]" if len(self.passages) > 1 else "[1]"
            return dropped(f"cites {', '.join(f'[{n}]' for n in unknown)}; only {shown} were shown")
        spans = quoted_spans(sentence)
        if spans is None:
            return dropped("leaves a quotation mark open")
        for span in spans:
            if not any(is_verbatim(span, self.passages[n]) for n in cited):
                return dropped(f"quotes words that are not his in the cited passage: {span!r}")
        if any(name != "Karpathy" for name in HIS_NAME.findall(sentence)):
            return dropped("misspells his name")
        if not re.search(r"\w", bare_text(sentence)):
            return dropped("has no words besides its citation")
        if fold(bare_text(sentence)).lower() in self.kept_texts:
            return dropped("repeats an earlier sentence")
        score = self.support(sentence, cited)
        if score < self.threshold:
            return dropped(
                f"too far from the cited passage (similarity {score:.2f} < {self.threshold:.2f})", round(score, 4)
            )
        self.kept_texts.add(fold(bare_text(sentence)).lower())
        return SentenceCheck(text=sentence, cited=cited, kept=True, support=round(score, 4))


def similarities(sentences: list[str], passages: list[Record], embedder: Embedder | OnnxEmbedder) -> np.ndarray:
    """Cosine similarity of every sentence (bare) to every passage: rows sentences, columns passages."""
    return embedder.encode([bare_text(s) for s in sentences]) @ embedder.encode([shown_text(p) for p in passages]).T
