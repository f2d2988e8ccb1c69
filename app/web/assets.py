"""The web chat's CSS and its few lines of browser script, as the strings Gradio injects.

The script does only what must happen in the browser: copy a citation's exact string, pass a click on
a vote, an example or "ask about this" to the server, unfold a folded card its [n] points at, keep the
address bar on the current question, bring a new answer's first line into view, and count characters
as a question is typed or pasted.
Everything it acts on is marked by app/web/render.py with data-* attributes.
"""

# In the conversation (gr.HTML js_on_load: `element`, `trigger`, `watch` are Gradio's).
CONVERSATION_JS = """
element.addEventListener('click', (ev) => {
  const ask = ev.target.closest('[data-ask]');
  if (ask) { trigger('ask', {question: ask.dataset.ask}); return; }
  // an [n] that points at a folded card (the card above, cited again) unfolds it and scrolls to it here:
  // following the link would re-render the conversation, folded again
  const ref = ev.target.closest('a.ref');
  const cited = ref && element.querySelector(ref.getAttribute('href'));
  if (cited && cited.closest('details')) {
    ev.preventDefault();
    cited.closest('details').open = true;
    cited.scrollIntoView({block: 'start'});
    return;
  }
  const turn = ev.target.closest('[data-turn]');
  const vote = ev.target.closest('button[data-vote]');
  if (turn && vote) {
    // a second click on the pressed thumb withdraws the vote; the other thumb changes it
    const pressed = vote.getAttribute('aria-pressed') === 'true';
    trigger('vote', {turn: turn.dataset.turn, liked: pressed ? null : vote.dataset.vote === 'up'});
  } else if (turn && ev.target.closest('button.send-why')) {
    trigger('why', {turn: turn.dataset.turn, why: turn.querySelector('.why textarea').value});
  }
});
let newest = null;
const settle = () => {
  const turns = element.querySelectorAll('.turn');
  const last = turns[turns.length - 1];
  const url = new URL(location.href);
  // the address is the conversation: the current question, and the ones before it, so a shared link
  // opens the same conversation and a reload keeps it
  url.searchParams.delete('q');
  url.searchParams.delete('after');
  [...turns].slice(-21, -1).forEach(t => url.searchParams.append('after', t.dataset.question));
  if (last) url.searchParams.set('q', last.dataset.question);
  history.replaceState(history.state, '', url);
  // only a new answer moves the view, to its first line (unless that is already near the top of the
  // window); a re-render, e.g. after a vote, leaves the view where it is
  if (last && last.dataset.turn !== newest) {
    const top = last.getBoundingClientRect().top;
    if (top < 0 || top > window.innerHeight * 0.4) last.scrollIntoView({block: 'start'});
  }
  newest = last ? last.dataset.turn : null;
};
watch('value', settle);
if (!window.askKarpathyCopy) {
  window.askKarpathyCopy = true;
  document.addEventListener('click', async (ev) => {
    const button = ev.target.closest('button[data-copy]');
    if (!button) return;
    await navigator.clipboard.writeText(button.dataset.copy);
    button.dataset.label = button.dataset.label || button.textContent;
    button.textContent = 'Copied';
    setTimeout(() => { button.textContent = button.dataset.label; }, 1500);
  });
}
"""

# In the line under the question box (props.limit is the server's limit, which it enforces anyway).
QUESTION_JS = """
const limit = props.limit;
const n = (x) => x.toLocaleString('en');
const show = (text, over) => {
  const count = element.querySelector('.count');
  if (count) { count.textContent = text; count.classList.toggle('over', over); }
};
document.addEventListener('input', (ev) => {
  if (!ev.target.closest || !ev.target.closest('#question')) return;
  const length = ev.target.value.length;
  if (length > limit) show(`${n(length)} / ${n(limit)} characters: too long, please shorten it`, true);
  else if (length >= limit * 0.8) show(`${n(length)} / ${n(limit)} characters`, false);
  else show('', false);
});
// a paste that would pass the limit is refused whole, never cut: the question is often at its end
document.addEventListener('paste', (ev) => {
  const box = ev.target;
  if (!box.closest || !box.closest('#question')) return;
  const pasted = ev.clipboardData.getData('text');
  const length = box.value.length - (box.selectionEnd - box.selectionStart) + pasted.length;
  if (length > limit) {
    ev.preventDefault();
    show(`Not pasted: that would make the question ${n(length)} characters; the limit is ${n(limit)}. ` +
         'Paste only the part you are asking about.', true);
  }
}, true);
"""

CORPUS_JS = """
element.addEventListener('click', (ev) => {
  const ask = ev.target.closest('[data-ask]');
  if (ask) trigger('ask', {question: ask.dataset.ask});
});
"""

# Colours are set in pairs (text and its background) so that every label keeps >= 4.5:1 in either theme.
CSS = """
/* overflow clip, not gradio's hidden: a hidden overflow would stop the question bar from sticking */
.gradio-container { max-width: 860px !important; width: 100% !important; margin: 0 auto !important;
  overflow: clip !important;
  --font: ui-sans-serif, system-ui, -apple-system, "Segoe UI", "Liberation Sans", sans-serif; }
#header h1 { font-size: 1.5rem; margin: 0; }
#header p { margin: 2px 0 0; }
#conversation { font-size: 1rem; line-height: 1.5; }
#conversation .empty { padding: 8px 0; }
.examples { list-style: none; padding: 0; margin: 8px 0 0; display: flex; flex-wrap: wrap; gap: 8px; }
.example, .ask-about, .vote, .copy, .send-why {
  border: 1px solid var(--border-color-primary); border-radius: 999px; padding: 4px 12px; min-height: 32px;
  background: var(--background-fill-primary); color: var(--body-text-color); cursor: pointer; font-size: 0.875rem;
  font-weight: 400; line-height: 1.4; }
.example:hover, .ask-about:hover, .vote:hover, .copy:hover { border-color: var(--color-accent); }
.vote[aria-pressed="true"] { background: #1e3a8a; color: #ffffff; border-color: #1e3a8a; }
.turn { padding: 16px 0; border-bottom: 1px solid var(--border-color-primary); scroll-margin-top: 8px; }
.asked .who { font-size: 0.8rem; font-weight: 600; text-transform: uppercase; letter-spacing: 0.04em; }
.asked p { margin: 2px 0 10px; font-weight: 600; font-size: 1.05rem; white-space: pre-wrap; overflow-wrap: anywhere; }
.answer .lead, .answer .draft { font-size: 1.05rem; margin: 0 0 10px; }
.answer .note { margin: 0 0 8px; font-size: 0.9rem; font-style: italic; }
.answer .pending { margin: 0 0 8px; font-style: italic; }
.cards { list-style: none; padding: 0; margin: 0; display: flex; flex-direction: column; gap: 10px; }
.card { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 10px 14px;
        background: var(--background-fill-primary); scroll-margin-top: 8px; }
.card:target { outline: 3px solid var(--color-accent); }
.card p { display: block; }  /* gradio's prose styles set paragraphs in list items inline */
.card-title { font-weight: 600; margin: 0 0 6px; }
.card .label { width: fit-content; font-size: 0.8rem; font-weight: 600; border-radius: 4px; padding: 1px 6px;
  margin: 2px 0; }
.label-his { background: #dcfce7; color: #14532d; }
.label-not-his { background: #ffedd5; color: #7c2d12; }
#conversation .card blockquote, #corpus .card blockquote { margin: 4px 0 8px !important; padding: 2px 0 2px 12px;
  border-left: 4px solid #15803d; font-size: 1.02rem; }
.card .paraphrase { margin: 4px 0 8px; padding: 6px 10px; border-left: 4px solid #c2410c; font-style: italic;
                    background: var(--background-fill-secondary); }
.card .meta, .card .check, .sources { font-size: 0.875rem; margin: 4px 0; }
.sources { list-style: none; padding-left: 0; }
.sources li { display: block; margin: 0; }
.sources a, .ref { padding: 0 !important; margin: 0 2px 0 0; }
.sources a, .ref, .card-title a { color: #1d4ed8; text-decoration: underline; }
.dark .sources a, .dark .ref { color: #93c5fd; }
.copy-row, .answer-tools { display: flex; flex-wrap: wrap; align-items: center; gap: 6px; margin-top: 6px;
  font-size: 0.875rem; }
.ask-about { margin-top: 8px; }
.off-topic summary, .theme summary, .why summary, .above summary { cursor: pointer; font-weight: 600; padding: 4px 0; }
.answer-tools .ack { margin: 0; animation: fade 4s ease-in 1 forwards; }
.answer-tools .why { flex-basis: 100%; }
.why label { display: block; font-size: 0.875rem; }
.why textarea { width: 100%; border: 1px solid var(--border-color-primary); border-radius: 6px; padding: 4px;
                background: var(--background-fill-primary); color: var(--body-text-color); }
@keyframes fade { 0%, 70% { opacity: 1; } 100% { opacity: 0; } }
#ask-bar { position: sticky; bottom: 0; z-index: 10; background: var(--background-fill-primary);
           box-shadow: 0 -4px 10px rgba(0, 0, 0, 0.06); }
#question-status .error { color: #b91c1c; margin: 2px 8px; font-weight: 600; }
.dark #question-status .error, .dark .count.over { color: #fca5a5; }
#question-status .count { margin: 2px 8px; font-size: 0.875rem; }
#question-status .count:empty, #question-status .msg:empty { display: none; }
#question-status:has(.msg:empty):has(.count:empty) { display: none; }
.count.over { color: #b91c1c; font-weight: 600; }
.theme { border-bottom: 1px solid var(--border-color-primary); padding: 6px 0; }
.theme summary { font-size: 1.05rem; }
.theme .cards { margin: 8px 0; }
/* gradio's footer links, selected tab, slider bounds and hints are too faint to read (1.9:1 to 2.8:1) */
footer a, footer button, footer .show-api, footer .built-with, footer .settings, .info-text,
#quotes .min_value, #quotes .max_value { color: var(--body-text-color) !important; }
button[role="tab"][aria-selected="true"], button[role="tab"].selected { color: #c2410c !important; }
@media (max-width: 640px) {
  .gradio-container { padding: 0 8px !important; }
  #header h1 { font-size: 1.25rem; }
  #header p { font-size: 0.9rem; }
  .card { padding: 8px 10px; }
  .copy, .vote { padding: 2px 8px; font-size: 0.8rem; }
  .copy-row { gap: 4px; }
}
"""
