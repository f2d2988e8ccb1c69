"""Quotes checked against the originals they come from, and text fragments that open the original at them.

One job: for each quote of an insight whose resolved source is a blog post at hand (its Markdown source,
e.g. ../shared/data/karpathy_blog/2019-04-25-recipe.markdown for https://karpathy.github.io/2019/04/25/recipe/),
say whether the original has these words (verified, at characters [start:end] of the file), has them
with a difference in the words (differs: how, and the original's wording), or cannot be read here (not
available: the source is not identified, or its original is not among the files). The outcome is
recorded per quote in corpus/insights.toml (`quote_checks`) by `ask-karpathy check-quotes DIR --write`,
so the app shows it without the originals; a test re-checks the record against ../shared/data.

What counts as the same words: only typographic differences, namely curly or straight quote marks,
dashes (—, –, --, a spaced hyphen), whitespace, and Markdown markup a reader never sees (emphasis,
links, code backticks, HTML tags, line markers: the one definition is app/corpus/markdown.py, which ingest
cleans passages with too). An ellipsis in the seed
("...") marks words left out: the parts on either side must be in the original, in order, in one
paragraph. Anything else, a word or a full stop, is a difference.

Text fragments (WICG Scroll-to-Text, `#:~:text=start,end`): a browser matches the terms against the
page's rendered text, case-insensitively. The rendered text is approximated here by the Markdown source
without its front matter and markup (the page's header, navigation and comments are not in it). Terms are
whole words of the original: the start grows word by word until it occurs exactly once in that text,
the end until its first occurrence after the start ends where the quote ends. No term holds a quote
mark, "--" or "...": the site's renderer prints those typographically (It's becomes It’s), so such a
term might not match. Each term is percent-encoded, "-", "," and "&" included.
"""

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote as percent_encode

import tomlkit

from app.contract import QuoteCheck
from app.corpus.markdown import Text, front_matter, render, rewrite
from app.corpus.records import Corpus, Insight, Source

BLOG_URL = re.compile(r"^https://karpathy\.github\.io/(\d{4})/(\d{2})/(\d{2})/([^/#?]+)/$")
ELLIPSIS = re.compile(r"\s*(?:\.\.\.|…)\s*")
TOKEN = re.compile(r"\w+(?:'\w+)*|[^\w\s]")
UNSAFE = re.compile(r"['\"\u2018\u2019\u201c\u201d`]|--|\.\.\.")
SHORT = 8  # words: a passage this short is a fragment's start term on its own
MAX_ELIDED = 400  # characters an ellipsis may stand for, within one paragraph
TYPOGRAPHIC = [
    (re.compile(r"[\u2018\u2019\u201a\u2032]"), "'"),
    (re.compile(r"[\u201c\u201d\u201e\u2033]"), '"'),
    (re.compile(r"\u2026"), "..."),
    (re.compile(r"\s*(?:\u2014|\u2013|--)\s*|\s+-\s+"), "\u2014"),
    (re.compile(r"\s+"), " "),
]


def _typographic(text: Text) -> Text:
    """One form for what the check allows to differ: quote marks, dashes, whitespace."""
    for pattern, literal in TYPOGRAPHIC:
        text = rewrite(text, pattern, literal=literal)
    return text


def normalise(s: str) -> str:
    return _typographic(Text.of(s)).chars.strip()


def original_path(url: str | None, originals_dir: Path) -> Path | None:
    """The Markdown source of a karpathy.github.io post in `originals_dir`, if it is there."""
    m = BLOG_URL.match(url or "")
    if not m:
        return None
    for suffix in (".markdown", ".md"):
        path = originals_dir / f"{m[1]}-{m[2]}-{m[3]}-{m[4]}{suffix}"
        if path.is_file():
            return path
    return None


@dataclass(frozen=True)
class Original:
    """One original, read once: the file, its rendered text and the typographic form of that."""

    source: Source
    markdown: str
    rendered: Text
    plain: Text

    @classmethod
    def read(cls, source: Source, path: Path) -> "Original":
        markdown = path.read_text(encoding="utf-8")
        rendered = render(markdown, front_matter(markdown)[1])
        return cls(source, markdown, rendered, _typographic(rendered))

    def words(self, start: int, end: int) -> str:
        """The rendered words of the file's characters [start:end], whitespace collapsed."""
        return " ".join("".join(c for c, i in zip(self.rendered.chars, self.rendered.at) if start <= i < end).split())


def _find_parts(parts: list[str], original: Original) -> tuple[int, int] | None:
    """Where the parts of a quote are, in order, in one paragraph: file offsets [start:end], or None."""
    hay, pos, first, last = original.plain.chars, 0, None, None
    for part in parts:
        i = hay.find(part, pos)
        if i < 0:
            return None
        if last is not None:
            gap = original.markdown[last : original.plain.at[i]]
            if "\n\n" in gap or len(gap) > MAX_ELIDED:
                return None
        first = i if first is None else first
        pos = i + len(part)
        last = original.plain.span(i, pos)[1]
    return original.plain.span(first, pos)[0], last


def _longest_prefix(q: str, hay: str) -> tuple[int, int]:
    """The longest prefix of q found in hay: (where, how long)."""
    lo, hi, where = 0, len(q), 0
    while lo < hi:  # found(prefix of length L) is monotonic in L
        mid = (lo + hi + 1) // 2
        i = hay.find(q[:mid])
        if i >= 0:
            lo, where = mid, i
        else:
            hi = mid - 1
    return where, lo


def _difference(q: str, o: str) -> str:
    """The seed's words against the original's, each difference with a word either side."""
    qt, ot = list(TOKEN.finditer(q)), list(TOKEN.finditer(o))
    matcher = difflib.SequenceMatcher(None, [m[0] for m in qt], [m[0] for m in ot], autojunk=False)
    out = []
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        if op == "equal":
            continue

        def phrase(tokens, s, i, j):  # the tokens [i:j] with a word of context either side
            i, j = i - 1, j + 1
            while i > 0 and not re.match(r"\w", tokens[i][0]):
                i -= 1
            while j < len(tokens) and not re.match(r"\w", tokens[j - 1][0]):
                j += 1
            i, j = max(i, 0), min(j, len(tokens))
            return s[tokens[i].start() : tokens[j - 1].end()] if i < j else ""

        out.append(f'the seed has "{phrase(qt, q, a0, a1)}", the original "{phrase(ot, o, b0, b1)}"')
    return "; ".join(out)


def _locate_difference(q: str, original: Original) -> tuple[int, int] | None:
    """Where the original has the passage a quote differs from: file offsets, or None if not found."""
    hay = original.plain.chars
    where, length = _longest_prefix(q, hay)
    if length < min(len(q), 20):
        return None
    qt = [m[0] for m in TOKEN.finditer(q)]
    window = list(TOKEN.finditer(hay[where : where + 2 * len(q) + 100]))
    matcher = difflib.SequenceMatcher(None, qt, [m[0] for m in window], autojunk=False)
    a_end = b_end = 0
    for block in matcher.get_matching_blocks():
        # a later block belongs to the passage only if it follows closely (not a word many sentences on)
        if block.size == 0 or (block.b - b_end) > (block.a - a_end) + 3:
            break
        a_end, b_end = block.a + block.size, block.b + block.size
    if b_end == 0:
        return None
    end = where + window[b_end - 1].end()
    return original.plain.span(where, end)


def check_quote(quote: str, original: Original) -> QuoteCheck:
    """The quote against one original: verified, or how it differs."""
    q, n = normalise(quote), original.source.n
    parts = [p for p in ELLIPSIS.split(q) if p]
    found = _find_parts([q], original) or (_find_parts(parts, original) if len(parts) > 1 else None)
    if found:
        start, end = found
        how = "only typographic differences (quote marks, dashes, whitespace, markup)"
        if len(parts) > 1 and not _find_parts([q], original):
            how += "; the seed's ellipsis (...) marks words the original has and the quote leaves out"
        return QuoteCheck(
            status="verified", how=how, source=n, start=start, end=end, fragment=text_fragment(original, start, end)
        )
    located = _locate_difference(q, original)
    if not located:
        return QuoteCheck(status="differs", source=n, how="these words are not in the original")
    start, end = located
    words = original.words(start, end)
    return QuoteCheck(
        status="differs",
        source=n,
        start=start,
        end=end,
        original=words,
        how=_difference(q, normalise(words)),
        fragment=text_fragment(original, start, end),
    )


def encode_term(term: str) -> str:
    """A text directive term, percent-encoded: "-", "," and "&" too, which the directive's syntax uses."""
    return percent_encode(term, safe="").replace("-", "%2D")


def _safe(words: list[str]) -> bool:
    """Words the site's Markdown renderer prints as they are: it turns straight quotes into curly ones,
    "--" into a dash and "..." into an ellipsis, so a term holding any of those could fail to match."""
    return not any(UNSAFE.search(w) for w in words)


def text_fragment(original: Original, start: int, end: int) -> str | None:
    """The directive `:~:text=start,end` for the file's characters [start:end], or None if no start
    term is unique in the original's rendered text."""
    # terms without the passage's outer punctuation: a linkifier may cut a full stop off the url's end
    words = re.sub(r"^\W+|\W+$", "", original.words(start, end)).split()
    page = normalise(original.rendered.chars).casefold()
    passage = " ".join(words).casefold()
    # a short passage is its own start term; a longer one gets a start of 4+ words and an end of 3+
    for n in range(len(words) if len(words) <= SHORT else 4, len(words) + 1):
        if not _safe(words[:n]):
            return None
        head = " ".join(words[:n]).casefold()
        at = page.find(head)
        if at >= 0 and page.find(head, at + 1) < 0:
            break
    else:
        return None
    if n == len(words) or page.find(passage, at) != at:
        return ":~:text=" + encode_term(" ".join(words[:n]))
    ends = [m for m in range(1, len(words) - n + 1) if _safe(words[-m:])]
    for m in sorted(ends, key=lambda m: (m < 3, m if m >= 3 else -m)):  # 3 words, more if need be, else 2, 1
        tail = " ".join(words[-m:]).casefold()
        if page.find(tail, at + len(head)) + len(tail) == at + len(passage):
            return ":~:text=" + ",".join(encode_term(" ".join(w)) for w in (words[:n], words[-m:]))
    return ":~:text=" + encode_term(" ".join(words[:n]))  # the start alone: still opens at the quote


def check_insight(insight: Insight, corpus: Corpus, originals_dir: Path) -> list[QuoteCheck]:
    """One check per quote, against the first resolved source of the insight whose original is at hand."""
    resolved = [corpus.sources[n] for n in insight.sources if corpus.sources[n].status == "resolved"]
    at_hand = [(s, path) for s in resolved if (path := original_path(s.url, originals_dir))]
    if at_hand:
        original = Original.read(*at_hand[0])
        return [check_quote(quote, original) for quote in insight.quotes]
    if resolved:
        why = f"the original ({resolved[0].title}, {resolved[0].url}) is not among the originals at hand"
    elif insight.sources:
        known = "; ".join(dict.fromkeys(corpus.sources[n].description() for n in insight.sources))
        why = f"which work it is from is not identified ({known})"
    else:
        why = "the seed cites no source for it"
    return [QuoteCheck(status="not available", how=why) for _ in insight.quotes]


def check_corpus(corpus: Corpus, originals_dir: Path) -> dict[int, list[QuoteCheck]]:
    """Every quoted insight's checks, by insight id."""
    return {i.id: check_insight(i, corpus, originals_dir) for i in corpus.insights if i.quotes}


def compare_with_recorded(corpus: Corpus, found: dict[int, list[QuoteCheck]]) -> tuple[list[str], int]:
    """One line per quote (its outcome, and whether insights.toml records the same), and how many differ."""
    lines, stale = [], 0
    for insight_id, checks in found.items():
        recorded = corpus.get(insight_id).quote_checks
        for n, check in enumerate(checks):
            same = n < len(recorded) and recorded[n] == check
            stale += not same
            where = f" [{check.source}] characters {check.start}–{check.end}" if check.start is not None else ""
            lines.append(
                f"#{insight_id} quote {n + 1}: {check.status}{where}: {check.how}"
                + ("" if same else "  (insights.toml records otherwise)")
            )
    return lines, stale


def write_checks(insights_path: Path, checks: dict[int, list[QuoteCheck]]) -> None:
    """Record the checks in insights.toml: each insight's quote_checks tables replaced, every other line,
    comment and layout kept as the curator wrote it (tomlkit edits the document, not a dump of it)."""
    document = tomlkit.parse(insights_path.read_text(encoding="utf-8"))
    for insight in document["insight"]:
        insight.pop("quote_checks", None)
        if checks.get(insight["id"]):
            tables = tomlkit.aot()
            for check in checks[insight["id"]]:
                table = tomlkit.table()
                for field, value in check.model_dump(exclude_none=True).items():
                    table.add(field, value)
                tables.append(table)
            tables[-1].add(tomlkit.nl())  # a blank line before the next insight, as the file has it
            insight["quote_checks"] = tables
    insights_path.write_text(tomlkit.dumps(document).rstrip("\n") + "\n", encoding="utf-8")
