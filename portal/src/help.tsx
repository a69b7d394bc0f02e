/**
 * The help assistant: answers "how do I …" from the portal's own help topics (help-match.ts,
 * in the browser, no outside service), and when none answers, a patient hands the question over
 * to a person: it goes to the hospital's staff as a secure message (see messages.tsx).
 */
import { useState } from 'preact/hooks';
import { act, answer, api } from './client';
import { bestTopics, type HelpMatch } from './help-match';
import { HELP_TOPICS } from './help-topics';
import { notice, session } from './state';
import { TextField } from './ui';

/** `**bold**` in a line of a topic, as elements (no HTML from text: the CSP and safety both ask it). */
function inline(text: string): preact.ComponentChildren {
  return text.split(/\*\*(.+?)\*\*/g).map((part, i) => (i % 2 === 1 ? <strong key={i}>{part}</strong> : part));
}

/** A topic's markdown: paragraphs, numbered and bulleted lists. */
export function Markdown({ text }: { text: string }) {
  const blocks = text.split(/\n\s*\n/).map((block) => block.split('\n').filter((line) => line.trim() !== ''));
  return (
    <>
      {blocks.map((lines, i) => {
        if (lines.length > 0 && lines.every((line) => /^\d+\.\s/.test(line)))
          return (
            <ol key={i}>
              {lines.map((line, j) => (
                <li key={j}>{inline(line.replace(/^\d+\.\s+/, ''))}</li>
              ))}
            </ol>
          );
        if (lines.length > 0 && lines.every((line) => /^[-*]\s/.test(line)))
          return (
            <ul key={i}>
              {lines.map((line, j) => (
                <li key={j}>{inline(line.replace(/^[-*]\s+/, ''))}</li>
              ))}
            </ul>
          );
        return <p key={i}>{inline(lines.join(' '))}</p>;
      })}
    </>
  );
}

export function Help() {
  const role = session.value?.me.role ?? '';
  const [question, setQuestion] = useState('');
  const [asked, setAsked] = useState<{ question: string; matches: HelpMatch[] } | undefined>(undefined);
  const ask = (e: Event) => {
    e.preventDefault();
    notice.value = undefined;
    setAsked({ question, matches: bestTopics(question, HELP_TOPICS, role) });
  };
  const handOver = async () => {
    if (!asked) return;
    const sent = await act('Sending your question to the hospital’s staff…', () =>
      answer(api.POST('/v1/conversations', { body: { text: asked.question } })),
    );
    if (!sent) return;
    notice.value =
      'Your question was sent to the hospital’s staff as a secure message: their answer will appear in Messages.';
    setAsked(undefined);
    setQuestion('');
  };
  return (
    <section aria-labelledby="help-title">
      <h2 id="help-title">Help</h2>
      <form onSubmit={ask} class="card">
        <TextField
          id="help-question"
          label="How do I … ? Ask a question about the portal"
          value={question}
          onValue={setQuestion}
        />
        <button type="submit">Ask</button>
      </form>
      {asked && (
        <div class="help-answer" aria-live="polite">
          {asked.matches.length > 0 ? (
            asked.matches.map(({ topic }, i) => (
              <article key={topic.id} class="card help-topic" aria-labelledby={`help-topic-${topic.id}`}>
                <h3 id={`help-topic-${topic.id}`}>
                  {i === 0 ? '' : 'Also: '}
                  {topic.title}
                </h3>
                <Markdown text={topic.body} />
              </article>
            ))
          ) : (
            <p class="help-none">No help topic answers “{asked.question}”.</p>
          )}
          {role === 'patient' ? (
            <p>
              {asked.matches.length > 0 ? 'Not what you were looking for? ' : ''}
              <button type="button" onClick={() => void handOver()}>
                Ask a person: send my question to the hospital
              </button>
            </p>
          ) : (
            asked.matches.length === 0 && <p>Ask your hospital’s administrator.</p>
          )}
        </div>
      )}
    </section>
  );
}
