"""The one Markdown stripper (app/corpus/markdown.py): what a reader sees of the markup, and that ingest and
the quote check read a document the same way.

The two readers each had a stripper of their own until issue 20; where they disagreed, the page decides:
a numbered heading keeps its number, inline code its words without the backticks, an image shows none of
its alt text, and a `<` that starts no tag is a less-than sign.
"""

import pytest

from app.corpus.ingest import split_passages
from app.corpus.markdown import clean_markup, front_matter, render
from app.corpus.records import Document


@pytest.mark.parametrize(
    "markdown, words",
    [
        ("#### 1. Become one with the data", "1. Become one with the data"),
        ("- a bullet\n* another\n+ a third\n12. numbered", "a bullet another a third numbered"),
        ("> quoted\n> > nested ## not a heading", "quoted nested ## not a heading"),
        ("**bold**, __bold__, *italic* and a * b * c", "bold, bold, italic and a * b * c"),
        ("a [link](http://x.y/Foo_(bar)) and ![a plot](plot.png) here", "a link and here"),
        ("<b>tagged</b> <!-- note --> while a < b and c > d", "tagged while a < b and c > d"),
        ("run `model(x)` on $x$ but not $\\alpha + \\beta$", "run model(x) on x but not"),
        ("see [this\n\nparagraph](x) and *that\n\none*", "see [this paragraph](x) and *that one*"),
    ],
)
def test_the_words_without_the_markup(markdown, words):
    assert clean_markup(markdown) == words


def test_a_passage_and_an_original_read_the_same_words_and_keep_their_offsets():
    post = (
        "---\ntitle: A post\n---\n\n## Overfit `one` batch\n\nFirst **overfit** a [single](http://x.y/) batch:"
        " <i>always</i>.\n\n![plot](p.png)\n\n- Then *regularize*, $L$ falls.\n"
    )
    fields, body = front_matter(post)
    doc = Document(key="post", source="post.md", kind="markdown", title=fields["title"])
    passages = split_passages(doc, post, body, words=5)
    assert [(p.headings, p.clean) for p in passages] == [
        (["Overfit one batch"], "First overfit a single batch: always."),
        (["Overfit one batch"], "Then regularize, L falls."),
    ]
    rendered = render(post, body)
    assert " ".join(rendered.chars.split()) == "Overfit one batch " + " ".join(p.clean for p in passages)
    i = rendered.chars.index("overfit")
    assert post[slice(*rendered.span(i, i + len("overfit a single")))] == "overfit** a [single"
    assert rendered.chars.lstrip().startswith("Overfit")  # the front matter is not read as words
    assert rendered.at[rendered.chars.index("Overfit")] == post.index("Overfit")
