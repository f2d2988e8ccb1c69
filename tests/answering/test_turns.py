"""Reading a question in a conversation, as a user types it: the kind of turn, and questions after a fact
or another person's view told apart from his views."""

import json

import pytest

from app.answering.turns import says_thanks, turn_kind
from app.answering.views import asks_a_task, could_ask_a_fact, not_a_view
from app.config import REPO_DIR


@pytest.mark.parametrize(
    "question, has_topic, kind",
    [
        ("why?", True, "more"),
        ("tell me more about that", True, "more"),
        ("anything else?", True, "more"),
        ("how come?", True, "more"),
        ("can you give an example?", True, "example"),
        ("example?", True, "example"),
        ("any concrete case?", True, "example"),
        ("and for startups?", True, "aspect"),
        ("what about AGI?", True, "aspect"),
        ("how did that play out at tesla?", True, "aspect"),
        ("ok, different question: what does he think about AGI?", True, "switch"),
        ("new topic - hiring", True, "switch"),
        ("switching topics — is AGI even definable?", True, "switch"),
        ("ok unrelated, but should i bother writing a README for a side project?", True, "switch"),
        ("on another note, how do i hire my first ml engineer", True, "switch"),
        ("unrelated features in tabular data, drop or keep?", True, "new"),  # a word, not a cue
        ("random forests or neural nets for tabular data?", True, "new"),
        ("why?", False, "bare"),  # nothing to refer to: the answer asks what it means
        ("give me an example", False, "bare"),
        ("and for startups?", False, "new"),
        ("", True, "new"),  # still empty, so the core still refuses it
        ("so what does he think of the way universities teach deep learning today?", True, "new"),
        # a word that may ask for a case narrows the topic in a question with words of its own
        ("what about agents specifically?", True, "aspect"),
        ("and what about real production software tho", True, "aspect"),
        ("any real world case?", True, "example"),
        ("any real case of that actually happening?", True, "example"),
        ("wait why would that be true, pytorch handles everything", True, "more"),
        ("hmm but why would guessing first help", True, "more"),
        ("whats the point tho, no one will read it", True, "more"),
        ("go on, what makes it 'general purpose'", True, "more"),  # a why, not an aspect: "but" only opens it
        ("biological bootloader?? wtf does that mean", True, "more"),
        ("ok and what does that mean for someone starting a company today", True, "aspect"),
        ("and after that?", True, "more"),  # "after" and "next" ask for what comes next on the topic
        ("ok what next", True, "more"),
        ("what would be better then", True, "aspect"),  # another way than the one just given
        ("what would he say instead", True, "aspect"),
        ("what should I change", True, "more"),  # after a situation: what to do about it
        ("ok so what should I do first", True, "more"),
        ("where do I start?", False, "bare"),
        # asking about what was just said, not about a new topic: they follow it, and need one first
        ("what's his reasoning", True, "more"),
        ("what's the analogy he uses", True, "more"),
        ("tl;dr", True, "more"),
        ("got a karpathy quote i can drop on a slide", True, "more"),  # his words on the topic
        ("got a karpathy quote i can drop on a slide", False, "new"),
        # his words asked for many ways (a blind batch, c2701-c2730: half of them were read as new questions)
        ("can i quote him on that", True, "more"),
        ("his exact words pls", True, "more"),
        ("did he actually say that or is that someone's summary?", True, "more"),
        ("need something citable for my essay on this", True, "more"),
        ("what did he say exactly, i wanna paste it in the postmortem doc", True, "more"),
        ("whats the exact line? adding it to our lab's readme template", True, "more"),
        ("is that actually his wording? i want to put it on a slide with his name", True, "more"),
        # ... and where they are from, to cite them (c2901-c2930: read as new questions on no topic, or aspects)
        ("what's the original wording? going on the poster", True, "more"),
        ("how'd he word that", True, "more"),
        ("where's that from? my footnote needs a source", True, "more"),
        ("should i credit that to him or to the blog it came from", True, "more"),
        ("should we open source our model", True, "new"),  # open source is a topic, not a citation
        ("keep going", True, "more"),
        ("any evidence?", True, "more"),
        ("what does he actually recommend", True, "more"),
        ("such as?", True, "example"),
        ("e.g.?", True, "example"),
        ("what's his reasoning", False, "bare"),
        ("what is the main point of software 2.0", True, "new"),
        # a case asked for in many words, or misspelt
        ("like what?", True, "example"),
        ("like what, concretely?", True, "example"),
        ("paint me a picture", True, "example"),
        ("any anecdote?", True, "example"),
        ("case study?", True, "example"),
        ("got a real story about that?", True, "example"),
        ("what would that look like in practice", True, "example"),
        ("exmaple pls", True, "example"),
        ("show me one", True, "example"),
        ("got one?", True, "example"),
        ("exmaple pls", False, "bare"),
        ("what does software 2.0 look like in 10 years", True, "new"),
        ("like what would I look at concretely", True, "example"),
        ("show me what vibe coding looks like in practice", True, "example"),
        ("what would a program in english even look like", True, "example"),
        ("any war stories about that?", True, "example"),
        # whether it happened somewhere asks for a case of it
        ("has anyone actually tried that", True, "example"),
        ("did that actually work somewhere?", True, "example"),
        ("has any company pulled that off?", True, "example"),
        ("has it replaced any actual code yet?", True, "example"),
        ("does that work for textbooks too?", True, "aspect"),
        ("what was the actual project?", True, "example"),
        # whether the answer holds elsewhere, however long the setting it names
        ("would he say the same about robots learning to walk?", True, "aspect"),
        ("does that apply to a b2b saas thing too or only self driving cars", True, "aspect"),
        ("what about for my 12 year old who wants to learn to code", True, "aspect"),
        ("for a non technical founder who just wants an mvp?", True, "aspect"),
        ("what kind of stuff do you find?", True, "example"),
        # an aspect after a word that only opens the turn
        ("ok and for a seed-stage startup?", True, "aspect"),
        ("thanks! what about big companies?", True, "aspect"),
        # the same elsewhere, in a few words or after the setting
        ("same for audio models?", True, "aspect"),
        ("same idea for speech recognition?", True, "aspect"),
        # a constraint told, not asked: how the answer fits the asker
        ("i only have a chromebook though", True, "aspect"),
        ("we don't have any labelled data yet", True, "aspect"),
        ("we don't have any labelled data yet", False, "new"),
        ("why is it so slow tho", True, "more"),
        ("the same logic applies to a nonprofit?", True, "aspect"),
        ("is it the same with tabular data", True, "aspect"),
        ("but my team has no ml people at all, does that advice even hold for us?", True, "aspect"),
        ("our budget is tiny. then what?", True, "aspect"),
        ("same for audio models?", False, "new"),
        # any situation told after an answer, with no question mark, that opens on the asker or their thing
        ("our investors expect revenue this year.", True, "aspect"),
        ("mostly i study on the bus", True, "aspect"),
        ("it's only for internal use", True, "aspect"),
        ("the board wants results every quarter", True, "aspect"),
        ("i mean what does he mean", True, "more"),
        ("our investors expect revenue this year.", False, "new"),
        # a bare why, then what the asker makes of it
        ("How come? The old way worked fine for years.", True, "more"),
        ("why? we already tried that", True, "more"),
        ("ok. what about startups?", True, "aspect"),
        ("in a hospital?", True, "aspect"),
        ("without a gpu?", True, "aspect"),
        ("in what way?", True, "more"),
        # a step to take is a case of the topic too
        ("so concretely what would step one be", True, "example"),
        ("like concretely what would i change on our side", True, "example"),
        (
            "what about my 14 yo who wants to get into coding, same advice for a kid or is it fine for them to keep "
            "it light and fun",
            True,
            "aspect",
        ),
        ("give me one habit i can start tomorrow", True, "example"),
        ("how would we actually verify that", True, "example"),
        # a case asked of a phrase in quotes
        ("what would an 'autonomy slider' look like for our nurses?", True, "example"),
        # a why asks the reason of the answer however long it runs; a person in the asker's situation, told
        ("but why not just let the model decide on its own if the error rate in our pilot was tiny?", True, "more"),
        ("honestly she just said the budget is fixed for the year", True, "aspect"),
        # examples that are rows of data ask for no case; "a few examples" still does
        ("what if we only have like 3k examples?", True, "aspect"),
        ("how many examples should i label first?", True, "new"),
        ("give me a few examples", True, "example"),
        # a setting asked with "even", the same thing elsewhere, a situation told after "tho,"
        ("even if we only ship it internally?", True, "aspect"),
        ("does the same thing happen in robotics startups", True, "aspect"),
        ("compute is really limited tho, we're a university lab", True, "aspect"),
        ("ugh ok. and we have like 2 engineers total", True, "aspect"),  # found in the CLI: read as new
        # what someone around the asker wants or holds against it, told
        ("cofounder keeps saying we should ship the model now", True, "aspect"),
        ("legal says we can't share any of the labels", True, "aspect"),
        # what else there is, in words of its own, asks for more of the topic
        ("what else tends to trip up beginners", True, "more"),
        ("ok anything else people usually get wrong here", True, "more"),
        ("hmm that sounds harsh, can you expand", True, "more"),
        ("wait what does that mean, software eating software?", True, "more"),
        # ... and so do "go on" alone and another angle on it (c4221, c4113: both were declined as on no topic)
        ("expand a bit", True, "more"),
        ("can you elaborate a little more", True, "more"),
        ("any other angle he'd take?", True, "more"),
    ],
)
def test_how_a_question_relates_to_the_conversation(question, has_topic, kind):
    assert turn_kind(question, has_topic) == kind


@pytest.mark.parametrize(
    "question, declined",
    [
        ("How many parameters does GPT-4 have?", True),
        ("How big is the ImageNet dataset?", True),
        ("when was the transformer paper published", True),
        ("who won the 2022 world cup", True),
        ("whats the capital of france", True),
        ("What does Yann LeCun think about LLMs?", True),
        ("Sam Altman's view on AGI", True),
        ("does geoffrey hinton agree with that on radiology?", True),
        ("does elon agree with that?", True),
        ("Karpathy would probably disagree?", False),
        # a pick of the app's, a setting's value: not his view ("would he recommend …" is)
        ("could you recommend an agency that builds chatbots", True),
        ("which batch size should we pick for fine-tuning bert?", True),
        ("would he recommend a bootcamp", False),
        ("who makes the best one right now", True),  # found in the CLI, after x-ray reading software
        ("any good chrome extension for reading arxiv papers", True),
        # a course, a channel, another organisation's charter (c4224, c4203, c4210: answered with a card)
        ("which course or bootcamp should i take for llm engineering", True),
        ("which youtubers are the best for learning pytorch", True),
        ("so how is agi defined in openai's charter", True),
        ("should i take a course or just build things", False),
        # which model to pick (found in the CLI after a startup's own LLM: answered with The Importance of Openness)
        ("which open source model is the best right now", True),
        ("is there a good mental model for llms", False),
        ("what's the best model architecture for a small dataset", False),
        # where to find him (found in the CLI: "The closest he comes - Edutainment"), not what he said there
        ("whats his youtube channel", True),
        ("does karpathy use copilot", True),  # what he uses (found in the CLI), not how he uses a trained model
        ("how does he use a trained model to find label errors", False),
        ("what's his view on youtube channels", False),
        ("what did he say on his blog about data", False),
        ("which open source model has the best license for that", True),  # found in the CLI
        ("is that even legal in the eu", True),  # what the law allows
        ("what's the best vscode plugin for python", True),
        ("how many hours a day should I study deep learning?", False),  # advice, not a fact
        ("what does Karpathy think about AGI?", False),
        ("how does he see the future of programming?", False),
        ("and how do we think about timing?", False),  # the asker's own view, not another person's
        ("how big a deal is software 2.0 really?", False),  # a judgement, not a size
        ("who's the head of AI at Tesla now?", True),
        ("what do I think about when I pick a project?", False),
        ("how much did tesla spend on autopilot", True),  # money is a fact
        ("how much time should I spend looking at my data?", False),  # advice
        ("how much code can a neural network replace?", False),  # his view
        ("who came up with the term prompt engineering anyway?", True),
        ("where did he do his phd again?", True),
        ("where did he go wrong with tesla", False),
        ("where does karpathy work these days", True),  # his name is no topic: "where does work" is left
        ("what's openai's official definition of AGI?", True),  # an organisation's view
        ("what does anthropic's MCP spec say about this?", True),  # another source's words
        ("what does karpathy's recipe post say about learning rates", False),
        # who someone is, what he still does, his favourites, who coined a term, a fact in a second sentence
        ("who is geoffrey hinton anyway", True),
        ("who is right, him or the skeptics?", False),
        ("is he still at tesla?", True),
        ("does he still use emacs", True),
        ("does he still think scaling works?", False),  # his view, now
        ("is he still right about software 2.0?", False),
        ("what's his favourite framework", True),
        ("so was karpathy the guy who coined vibe coding?", True),
        ("nice post. in what year did he write it?", True),
        ("what's demis hassabis's prediction for agi?", True),
        ("what's his prediction for agi?", False),  # his view
        # which product, whether one exists or is open source: facts of the market, even asked for advice
        ("which vector database is best for my startup?", True),
        ("what's the cheapest gpu cloud right now", True),
        ("is mistral open source", True),
        ("is there a free tool for that i could use?", True),
        ("which lab released the first diffusion model", True),
        ("what's the best way to learn deep learning?", False),  # a way is a view
        ("which tools should a beginner learn first", False),  # advice on what to learn
        ("is open source better than closed?", False),
        ("what has demis hassabis said about scaling?", True),
        ("what has he said about scaling?", False),  # his view
        ("which of the big three clouds has the most gpus", True),
        ("who runs openai's safety team these days", True),
        ("is he joining anthropic?", True),
        ("what's the average salary of an ml engineer", True),
        ("what's the plot of ex machina", True),
        ("what's the typical way to start a project", False),  # a way is a view
        ("is karpathy leaving tesla? saw a headline", True),
        ("is joining a startup a good idea?", False),
        ("what's the best python textbook for 16 year olds", True),
        ("what's the best way to learn python at 16", False),
        ("and how many gpus did they train on", True),
        # a fact asked of what he thinks is his view; where anyone else still works, a share, the best product
        ("so how many years does he think it takes to go from a demo to a real product", False),
        ("what year does he predict?", False),
        ("when did hamming first give the 'You and Your Research' talk?", True),  # "You" is the title's
        ("what's your take on 'software 2.0'?", False),  # his prediction is his view, however it is asked
        ("when does karpathy expect agi", False),
        ("when does karpathy think agents will actually work?", False),
        ("is sundar still running google these days", True),
        ("is data still king?", False),
        ("does that still work for a startup?", False),
        ("what percentage of github code is written by copilot now", True),
        ("what percentage of my week should go to looking at data?", False),  # advice
        ("best note taking app for linux?", True),
        ("best way to get started with neural nets?", False),
        ("how long did it take to train alphago", True),
        ("how long should i look at my data before training?", False),  # advice
        ("is tinygrad on pypi", True),
        ("how do i install pytorch on windows", True),
        ("whats the going rate for a freelance ml engineer", True),
        ("when is llama 4 coming out", True),
        ("when is it worth writing a custom architecture?", False),  # a judgement, not a date
        ("when is synthetic data better than real data", False),
        ("why does learning feel so hard?", False),  # no one's view: "learning" is no name
        ("which laptop should i buy for a deep learning course", True),
        ("which tools should i learn before deep learning?", False),  # advice on what to learn
        # a fact hedged, who made a thing, a benchmark, a licence or a regulator, a product to buy
        ("roughly how many data labelers does tesla employ", True),
        ("who built the first self-driving car, was it cmu?", True),
        ("and is tensorflow slower than pytorch for transformers", True),
        ("is labeled data better than hand-written rules?", False),  # his view
        ("does the mistral license permit commercial use?", True),
        ("do you know whether that scanner has FDA approval?", True),
        ("we need FDA approval, does that change his advice?", False),  # the asker's constraint
        ("ok whats a decent laptop for a student under $800", True),
        ("what's a good way to learn backprop", False),  # a way is a view
        ("sgd or adam, which one converges faster on small cnns", True),
        ("which is faster to get right, hand rules or a net?", False),  # a judgement
        ("which vector database is most widely used these days", True),
        # what a job pays
        ("what do data scientists at google make", True),
        ("which ml job pays the most right now", True),
        ("what does that make me, a software 2.0 programmer?", False),
        # what something cost, his private life, savings, whether a product is worth it, what hardware a model needs
        ("what did tesla pay for its data labeling team", True),
        ("what do most employees actually spend their day doing?", False),
        ("is karpathy married, does he have kids?", True),
        ("whats karpathys net worth these days?", True),
        ("should i put my 401k into nvidia stock since AI is booming?", True),
        ("is andrew ng's coursera course still worth it in 2025", True),
        ("is a phd still worth it?", False),  # a view he has
        ("what gpu specs do i need to run llama 3 70b locally?", True),
        ("what skills do i need to work on llms?", False),
        # a product named, a standard, a licence, a count or a name of the record
        ("ok so whats an actual good deep learning textbook, like a specific title", True),
        ("what's a good way to actually learn deep learning", False),
        ("is there a public plant disease dataset i could grab", True),
        ("is there a reason to label data yourself?", False),
        ("is llms.txt an official standard or just a thing people do", True),
        ("is software 2.0 a real shift or hype?", False),
        ("which license should we put on released model weights", True),
        ("whats karpathy's youtube channel called and how many subs does it have", True),
        ("how many examples does my dataset need to have", False),
        ("which email platform has the best api for this", True),
        ("which approach has the best results on small data", False),
        ("any good ml podcasts you'd recommend", True),
        ("is there a decent notebook template for this on kaggle", True),
        ("whats the typical annotation price per bounding box", True),
        ("what's the real lesson of the leaky abstraction", False),
        # what a company or a product uses: a fact (the language was answered "His answer — AI Will Eat the Stack");
        # how it works, or what he or the asker uses, is not
        ("what programming language does tesla autopilot use", True),
        ("which datacenter does openai use", True),
        ("what gpu does tesla use in its cars", True),
        ("what approach does tesla use to label data", False),
        ("what loss function do i use for imbalanced classes", False),
        ("which optimizer does karpathy use", False),
    ],
)
def test_questions_after_facts_or_other_peoples_views_are_told_apart(question, declined):
    assert not_a_view(question) == declined


@pytest.mark.parametrize(
    "question, task",
    [
        ("write me a python script that scrapes amazon prices every hour", True),
        ("can you write me a cover letter for a junior data analyst job?", True),
        ("can you summarize the plot of dune part one for me?", True),
        ("ok could u translate this paragraph from polish to english", True),
        ("can you summarize his take on agents?", False),  # his words are asked for
        ("write loops first or vectorize?", False),
        ("what does that make me, a software 2.0 programmer?", False),
        ("how do i fix my training loop, loss is flat", False),
        ("cool, could you draft an email to my team about this", True),
        ("can you explain how attention works step by step", True),
        ("walk me through what i should do first, step by step", False),  # his answer's steps
    ],
)
def test_tasks_are_told_from_questions(question, task):
    assert asks_a_task(question) == task


@pytest.mark.parametrize(
    "question, thanks",
    [
        ("ok thx", True),
        ("cool, makes sense. thank you so much", True),
        ("lol ok thanks man", True),
        ("thanks, and for a startup?", False),
        ("ok why?", False),
    ],
)
def test_thanks_asks_nothing(question, thanks):
    assert says_thanks(question) == thanks


def test_no_question_the_corpus_answers_is_declined_as_a_fact():
    """The fact, other-person and task patterns must not catch his views asked in those words ("how long from
    demo to product?", "according to him"): every on-topic question of the paraphrase sets passes."""
    for name in ("dev_questions.jsonl", "heldout_questions.jsonl"):
        for line in (REPO_DIR / "corpus" / name).read_text().splitlines():
            q = json.loads(line)
            assert not (q["ids"] and (not_a_view(q["q"]) or asks_a_task(q["q"]))), q["q"]


@pytest.mark.parametrize(
    "question, could",
    [
        ("which is better for this, chatgpt or claude", True),
        ("cursor or replit for that?", True),
        ("supabase or firebase for the backend", True),  # a pick asked with no question mark
        ("what was his phd thesis about", True),
        ("i only have an old laptop, no gpu at all", False),  # the asker's situation, told
        ("how do we do it without tanking this year's numbers", False),  # advice
        ("what did he say about working with elon", False),  # his view
        ("does karpathy really think agents are overhyped?", False),
    ],
)
def test_only_a_question_asked_of_no_view_of_his_may_ask_a_fact(question, could):
    assert could_ask_a_fact(question) == could
