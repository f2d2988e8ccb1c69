"""The local-model verifier on fixed text: how sentences are split, cited and shown. No model, no index."""

from app.local.verify import as_shown, cited_numbers, split_sentences


def test_a_kept_sentence_is_shown_with_its_citation_after_its_words():
    assert as_shown('[3] "They are Software 2.0."') == '"They are Software 2.0." [3]'
    assert as_shown("[1] [2] Data matters") == "Data matters [1] [2]."
    assert as_shown("Data matters [1]") == "Data matters [1]."
    assert as_shown("Data matters [1].") == "Data matters [1]."
    assert split_sentences(" ".join(map(as_shown, ['[2] "A b."', "[3] C d"]))) == ['"A b." [2]', "C d [3]."]


def test_sentences_keep_their_citations_and_quotations_whole():
    text = (
        'He said "Software 2.0. It is new." [1] Data matters [2]. E.g. labels, vs. code! [1, 3]\n'
        "[2] A list item\nNo citation here"
    )
    assert split_sentences(text) == [
        'He said "Software 2.0. It is new." [1]',
        "Data matters [2].",
        "E.g. labels, vs. code! [1, 3]",
        "[2] A list item",
        "No citation here",
    ]
    assert cited_numbers("Both [1, 3] and [2][3].") == [1, 2, 3]
