"""Markdown as a reader sees it: its front matter, and its words without the markup.

One definition of "the words without the markup", for two readers: ingest cleans each passage with it
(Passage.clean, what is shown and embedded), and the quote check reads a whole original through it with
each character's offset in the file kept, so that a verified quote points at its place (originals.py).

Stripped: emphasis (*x*, **x**, __x__), links [words](address) (the words kept), images, the backticks of
inline code, HTML tags, LaTeX ($$...$$ dropped, $x$ kept as x when it is a plain symbol), and the markers of
block quotes, headings and list items at the start of a line. Whitespace is left as it is: a reader that
wants the words collapses it. Markup never spans a blank line, so each paragraph is read on its own and a
stray `[` or `*` never pairs with one paragraphs away.

Every pattern runs in linear time on any input: a crafted file of 100 KB of `[` took 2 minutes with
`\\[([^\\]]+)\\]`, because each `[` scanned to the end of the text for a `]` that never came. Here no
pattern's repeated part can step over its own opening character, so each attempt stops at the next `[`,
`(`, `<`, `` ` `` or `*` (bold: the next `**` or `__`; math: the next `$`), and the text is read a bounded
number of times (tests/corpus/test_ingest_safety.py).
"""

import datetime
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass

import yaml

LINE_MARKER = re.compile(r"^[ \t]*(?:>[ \t]?)*(?:(?:#{1,6}|[-*+]|\d+\.)[ \t]+)?", re.MULTILINE)
LINK_TARGET = r"\((?:[^()]|\([^()]*\))*\)"  # an address, which may hold parentheses: (.../Foo_(bar))
IMAGE = re.compile(r"!\[[^\[\]]*\]" + LINK_TARGET)
LINK = re.compile(r"\[([^\[\]]+)\]" + LINK_TARGET)  # keeps its words
HTML_TAG = re.compile(r"<[A-Za-z/!][^<>]*>")  # a tag starts with its name: `a < b` is no tag
DISPLAY_MATH = re.compile(r"\$\$.*?\$\$", re.DOTALL)
INLINE_MATH = re.compile(r"\$([^$\n]+)\$")
INLINE_CODE = re.compile(r"`([^`]+)`")
BOLD = re.compile(r"(\*\*|__)(.+?)\1")
ITALIC = re.compile(r"(?<![\w*])\*(?!\s)([^*\n]+?)(?<!\s)\*(?![\w*])")  # bold is gone by then: no `*` inside
BLANK_LINE = re.compile(r"(\n[ \t]*\n\s*)")


@dataclass(frozen=True)
class Text:
    """A string and, for each of its characters, the index in the original file it comes from."""

    chars: str
    at: tuple[int, ...]

    @classmethod
    def of(cls, raw: str, start: int = 0) -> "Text":
        return cls(raw, tuple(range(start, start + len(raw))))

    def span(self, i: int, j: int) -> tuple[int, int]:
        """The file's characters [start:end] that chars[i:j] come from."""
        return self.at[i], self.at[j - 1] + 1


def rewrite(
    text: Text, pattern: re.Pattern, keep: int | Callable[[re.Match], int | None] | None = None, literal: str = ""
) -> Text:
    """Replace each match by the group `keep` names, kept with its file offsets (`keep` may be a function of
    the match: None drops it), or else by a literal string (each of its characters at the match's start)."""
    chars, at, pos = [], [], 0
    for m in pattern.finditer(text.chars):
        chars.append(text.chars[pos : m.start()])
        at.extend(text.at[pos : m.start()])
        group = keep(m) if callable(keep) else keep
        if group is not None:
            g0, g1 = m.span(group)
            chars.append(text.chars[g0:g1])
            at.extend(text.at[g0:g1])
        elif literal:
            chars.append(literal)
            at.extend([text.at[m.start()]] * len(literal))
        pos = m.end()
    chars.append(text.chars[pos:])
    at.extend(text.at[pos:])
    return Text("".join(chars), tuple(at))


def _plain_math(m: re.Match) -> int | None:
    """Inline math: a plain symbol like $x$ is kept as x; real LaTeX, which no reader sees as typed, is dropped."""
    return 1 if "\\" not in m[1] and len(m[1]) < 20 else None


def _paragraph(text: Text) -> Text:
    """One paragraph without its markup. Line markers go first, where the line starts as it was typed
    ("#### 1. Become one with the data" is a heading whose words start with "1."); links before HTML
    tags and emphasis, so that their words are then cleaned like any others."""
    for pattern, keep in (
        (LINE_MARKER, None),
        (IMAGE, None),
        (LINK, 1),
        (HTML_TAG, None),
        (DISPLAY_MATH, None),
        (INLINE_MATH, _plain_math),
        (INLINE_CODE, 1),
        (BOLD, 2),
        (ITALIC, 1),
    ):
        text = rewrite(text, pattern, keep)
    return text


def render(markdown: str, start: int = 0) -> Text:
    """markdown[start:] as a reader sees it, each character with its offset in `markdown`: paragraph by
    paragraph, the blank lines between them kept."""
    pieces, pos = [], start
    for n, piece in enumerate(BLANK_LINE.split(markdown[start:])):
        text = Text.of(piece, pos)
        pieces.append(text if n % 2 else _paragraph(text))  # split() puts the blank lines at odd places
        pos += len(piece)
    return Text("".join(p.chars for p in pieces), tuple(itertools.chain.from_iterable(p.at for p in pieces)))


def clean_markup(markdown: str) -> str:
    """The words of Markdown without its markup, whitespace collapsed: a passage's `clean`, a title."""
    return " ".join(render(markdown).chars.split())


def front_matter(text: str) -> tuple[dict[str, str], int]:
    """Jekyll-style `---` front matter (YAML) as its top-level scalar fields in text, and where the body
    starts. Front matter that is not a YAML mapping is no front matter: the file is read as it stands."""
    if not text.startswith("---\n"):
        return {}, 0
    end = text.find("\n---\n", 4)
    if end < 0:
        return {}, 0
    try:
        fields = yaml.safe_load(text[4:end])  # safe_load: a document never builds Python objects
    except yaml.YAMLError:
        return {}, 0
    if not isinstance(fields, dict):
        return {}, 0
    return (
        {str(key): str(value) for key, value in fields.items() if isinstance(value, str | int | float | datetime.date)},
        end + len("\n---\n"),
    )
