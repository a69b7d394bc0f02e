/**
 * The help assistant answers from the portal's own topics (portal/help/*.md) by term matching,
 * and answers nothing (handing over to a person) when no topic covers the question.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { bestTopics, type HelpTopic, parseTopic, terms } from '../../../portal/src/help-match';

const HELP = path.join(__dirname, '..', '..', '..', 'portal', 'help');
const files = readdirSync(HELP).filter((file) => file.endsWith('.md'));
const topics: HelpTopic[] = files.map((file) =>
  parseTopic(file.replace(/\.md$/, ''), readFileSync(path.join(HELP, file), 'utf8')),
);
const best = (question: string, role?: string) => bestTopics(question, topics, role).map((m) => m.topic.id);

describe('the help assistant', () => {
  it('reads a topic: title, keywords, roles and text', () => {
    const topic = parseTopic('x', '# Do a thing\n\nKeywords: Alpha, beta gamma\nRoles: patient\n\nFirst **step**.\n');
    expect(topic).toEqual({
      id: 'x',
      title: 'Do a thing',
      keywords: ['alpha', 'beta gamma'],
      roles: ['patient'],
      body: 'First **step**.',
    });
    expect(parseTopic('y', '# T\nRoles:\ntext').roles).toBeUndefined();
    expect(() => parseTopic('z', 'no title')).toThrow('help topic z has no "# Title" line');
  });

  it('drops the words of asking and meets word forms', () => {
    expect(terms('How do I revoke my Consents?')).toEqual(['revoke', 'consent']);
    expect(terms('consenting consented')).toEqual(['consent', 'consent']);
  });

  it.each([
    ['How do I give another hospital access to my records?', 'patient', 'consents'],
    ['how can I stop sharing my data with an insurer', 'patient', 'consents'],
    ['Who looked at my data?', 'patient', 'access-log'],
    ['How do I send a message to my doctor?', 'patient', 'messages'],
    ['how do I answer a patient message', 'doctor', 'messages'],
    ['My authenticator code is refused when I sign in', 'patient', 'sign-in'],
    ['How do I order a blood test?', 'doctor', 'lab-orders'],
    ['how do I request access to read a patient record', 'doctor', 'doctor-records'],
  ])('answers "%s" (%s) with the topic %s first', (question, role, topic) => {
    expect(best(question, role)[0]).toBe(topic);
  });

  it.each([
    'Can I bring my dog to the ward?',
    'What are the visiting hours on Sunday?',
    'Where do I park my car?',
    'how do I',
    '',
  ])('answers nothing to "%s", so the question goes to a person', (question) => {
    expect(best(question, 'patient')).toEqual([]);
  });

  it("keeps a role's topics from another role", () => {
    expect(best('How do I order a blood test?', 'patient')).toEqual([]);
    expect(best('How do I order a blood test?')).toContain('lab-orders');
  });

  it('bundles every topic in the folder', () => {
    const bundled = readFileSync(path.join(HELP, '..', 'src', 'help-topics.ts'), 'utf8');
    for (const file of files) expect(bundled).toContain(`'../help/${file}'`);
  });
});
