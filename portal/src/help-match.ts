/**
 * The help assistant's matcher: "how do I …" questions against the portal's own help topics
 * (portal/help/*.md, bundled at build), by term matching in the browser, no outside service.
 * A topic is markdown: `# Title`, an optional `Keywords: a, b, c` line, then the text. Each
 * question term that a topic holds scores by where (title and keywords above text) and by how
 * rare it is among the topics (a term every topic has tells nothing). A question whose best
 * topic covers too little of it is not answered: the assistant offers a person instead.
 */

export interface HelpTopic {
  id: string;
  title: string;
  keywords: string[];
  /** The text after the title and keywords, as markdown. */
  body: string;
  /** Who the topic is for: `Roles: patient, doctor` (all roles when absent). */
  roles: string[] | undefined;
}

export interface HelpMatch {
  topic: HelpTopic;
  score: number;
  /** The share (0–1) of the question's terms that the topic holds. */
  coverage: number;
}

/** Words that carry no subject: a question's "how do I" and the like. */
const STOP_WORDS = new Set(
  (
    'a an and are as at be by can could do does for from have how i if in is it its me my of on or our please ' +
    'should so that the their them there this to was we what when where which who why will with would you your ' +
    'get want need make use using see'
  ).split(' '),
);

/** A crude stem: enough that "consents", "consenting" and "consented" meet "consent". */
function stem(word: string): string {
  for (const suffix of ['ing', 'ed', 'es', 's']) {
    if (word.length > suffix.length + 3 && word.endsWith(suffix)) return word.slice(0, -suffix.length);
  }
  return word;
}

/** The subject terms of a text: lower case, stemmed, without stop words. */
export function terms(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])
    .filter((word) => word.length > 1 && !STOP_WORDS.has(word))
    .map(stem);
}

/** A help topic from its markdown. */
export function parseTopic(id: string, markdown: string): HelpTopic {
  const lines = markdown.replace(/\r\n?/g, '\n').split('\n');
  const titleLine = lines.findIndex((line) => line.startsWith('# '));
  if (titleLine < 0) throw new Error(`help topic ${id} has no "# Title" line`);
  const title = (lines[titleLine] ?? '').slice(2).trim();
  let keywords: string[] = [];
  let roles: string[] | undefined;
  const rest: string[] = [];
  for (const line of lines.slice(titleLine + 1)) {
    const field = /^(Keywords|Roles):\s*(.*)$/i.exec(line);
    const values =
      field?.[2]
        ?.split(',')
        .map((v) => v.trim().toLowerCase())
        .filter(Boolean) ?? [];
    if (field?.[1]?.toLowerCase() === 'keywords') keywords = values;
    else if (field) roles = values.length > 0 ? values : undefined;
    else rest.push(line);
  }
  return { id, title, keywords, body: rest.join('\n').trim(), roles };
}

/** Below either bound the best topic is not an answer (set against the topics in portal/help). */
export const MIN_SCORE = 2;
export const MIN_COVERAGE = 0.5;

const WEIGHT = { title: 3, keyword: 3, body: 1 };

/**
 * The topics that answer the question, best first (at most `limit`), for the role; empty when
 * none answers well enough (then hand the question over to a person).
 */
export function bestTopics(question: string, topics: HelpTopic[], role?: string, limit = 2): HelpMatch[] {
  const asked = [...new Set(terms(question))];
  if (asked.length === 0) return [];
  const mine = topics.filter((t) => !role || !t.roles || t.roles.includes(role));
  const indexed = mine.map((topic) => ({
    topic,
    title: new Set(terms(topic.title)),
    keywords: new Set(topic.keywords.flatMap(terms)),
    body: new Set(terms(topic.body)),
  }));
  const holding = (term: string) =>
    indexed.filter((t) => t.title.has(term) || t.keywords.has(term) || t.body.has(term)).length;
  const rarity = new Map(asked.map((term) => [term, Math.log(1 + mine.length / Math.max(1, holding(term)))]));
  const matches: HelpMatch[] = indexed.map(({ topic, title, keywords, body }) => {
    let score = 0;
    let held = 0;
    for (const term of asked) {
      const where = Math.max(
        title.has(term) ? WEIGHT.title : 0,
        keywords.has(term) ? WEIGHT.keyword : 0,
        body.has(term) ? WEIGHT.body : 0,
      );
      if (where > 0) held += 1;
      score += where * (rarity.get(term) ?? 0);
    }
    return { topic, score, coverage: held / asked.length };
  });
  return matches
    .filter((m) => m.score >= MIN_SCORE && m.coverage >= MIN_COVERAGE)
    .sort((a, b) => b.score - a.score)
    .slice(0, limit);
}
