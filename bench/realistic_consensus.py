"""Merge the two independent gradings of the realistic question set into corpus/realistic_questions.jsonl.

corpus/realistic/ holds what was written blind to the enrichment (see corpus/realistic/README.md):
questions.jsonl (one author, from the seed alone), grades_a.jsonl (that author's grades) and
grades_b.jsonl (a second grader who saw only the seed and the questions). The consensus grade of an
insight is the lower of the two when both graded it; an insight only one grader named is "disputed":
it is neither required nor penalised when shown. The set is split once, per style, alternately by id,
into a tuning half and a test half; the test half is scored and never tuned on.

    python bench/realistic_consensus.py   # rewrites corpus/realistic_questions.jsonl, prints agreement
"""

import json
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RAW = REPO / "corpus" / "realistic"
OUT = REPO / "corpus" / "realistic_questions.jsonl"


def read(path: Path) -> dict[str, dict]:
    return {row["id"]: row for row in map(json.loads, path.read_text(encoding="utf-8").splitlines()) if row}


def main():
    questions, a, b = read(RAW / "questions.jsonl"), read(RAW / "grades_a.jsonl"), read(RAW / "grades_b.jsonl")
    by_style = defaultdict(list)
    for qid in sorted(questions):
        by_style[questions[qid]["style"]].append(qid)
    half = {qid: ("tune" if i % 2 == 0 else "test") for ids in by_style.values() for i, qid in enumerate(ids)}
    rows, agree, pairs, same_grade = [], 0, 0, 0
    for qid in sorted(questions):
        ga = {int(k): v for k, v in a[qid]["grades"].items()}
        gb = {int(k): v for k, v in b[qid]["grades"].items()}
        both = sorted(set(ga) & set(gb))
        grades = {i: min(ga[i], gb[i]) for i in both}
        disputed = sorted(set(ga) ^ set(gb))
        pairs += len(set(ga) | set(gb))
        agree += len(both)
        same_grade += sum(ga[i] == gb[i] for i in both)
        q = questions[qid]
        rows.append(
            {
                "id": qid,
                "q": q["q"],
                "style": q["style"],
                "half": half[qid],
                "grades": {str(i): g for i, g in grades.items()},
                "disputed": disputed,
            }
        )
    OUT.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    no_direct = [r["id"] for r in rows if r["style"] not in ("near-miss", "far") and 2 not in r["grades"].values()]
    print(f"{len(rows)} questions -> {OUT.relative_to(REPO)}")
    print(
        f"insights named by either grader: {pairs}; by both: {agree} ({agree / pairs:.0%}); "
        f"same grade when both: {same_grade / agree:.0%}"
    )
    print(f"on-topic questions without a consensus grade-2 insight: {len(no_direct)} {no_direct[:20]}")
    for style, ids in sorted(by_style.items()):
        print(f"  {style:10} {len(ids):4} ({sum(half[i] == 'test' for i in ids)} in the test half)")


if __name__ == "__main__":
    main()
