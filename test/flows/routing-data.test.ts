/** Validation of the routing data in flow files: facts rules, examples, error codes and synonyms, each problem with its exact path. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { validateCatalogue } from '../../src/flows/catalogue';
import { formatProblem } from '../../src/flows/validate';
import { copyOfFixtureCatalogue } from '../helpers/fixtures';

function problemsWith(edits: Record<string, (text: string) => string>): string[] {
  const copy = copyOfFixtureCatalogue();
  try {
    for (const [file, edit] of Object.entries(edits)) copy.write(file, edit(readFileSync(path.join(copy.dir, file), 'utf8')));
    return validateCatalogue(copy.dir).problems.map(formatProblem);
  } finally {
    copy.remove();
  }
}

const vpnRouter = (extra: string) => (t: string) => t.replace('  keywords:\n    - vpn\n', `  keywords:\n    - vpn\n${extra}`);

describe('routing data in flow files', () => {
  it('accepts the fixture catalogue with its facts rule and synonyms', () => {
    expect(problemsWith({})).toEqual([]);
  });

  it.each<[string, Record<string, (t: string) => string>, string]>([
    ['a fact naming an unknown question', { 'wifi-down.yaml': (t) => t.replace('question: wf-others', 'question: wf-nope') }, 'wifi-down.yaml: facts[0].question: unknown question "wf-nope"'],
    ['a fact naming a node that is not a question', { 'wifi-down.yaml': (t) => t.replace('question: wf-others', 'question: wf-forget') }, 'wifi-down.yaml: facts[0].question: "wf-forget" is a remediation, not a question'],
    ['a fact naming an unknown option', { 'wifi-down.yaml': (t) => t.replace('answers: { yes: [many], no: [me] }', 'answers: { yes: [many], maybe: [me] }') }, 'wifi-down.yaml: facts[0].answers.maybe: unknown option "maybe" of question "wf-others" (it has: yes, no)'],
    ['a value the fact cannot take', { 'wifi-down.yaml': (t) => t.replace('no: [me]', 'no: [me, some]') }, 'wifi-down.yaml: facts[0].answers.no[1]: "some" is not a value of fact "scope" (expected me, many)'],
    ['one value choosing two options', { 'wifi-down.yaml': (t) => t.replace('no: [me]', 'no: [me, many]') }, 'wifi-down.yaml: facts[0].answers.no[1]: scope "many" already answers "wf-others" with option "yes"'],
    ['an unknown fact', { 'wifi-down.yaml': (t) => t.replace('fact: scope', 'fact: weather') }, 'wifi-down.yaml: facts[0].fact:'],
    ['an example used by two flows', { 'vpn-slow.yaml': (t) => t.replace('    - the vpn is very slow today\n', '    - the vpn is very slow today\n    - My WiFi is not working!\n') }, 'wifi-down.yaml: router.examples[0]: example "my wifi is not working" is also in vpn-slow.yaml (router.examples[1]); an example belongs to one flow only'],
    ['an error code claimed by two flows', { 'vpn-slow.yaml': vpnRouter('  errorCodes: [aadsts50053]\n'), 'wifi-down.yaml': (t) => t.replace('  synonyms:', '  errorCodes: [AADSTS50053]\n  synonyms:') }, 'wifi-down.yaml: router.errorCodes[0]: error code "aadsts50053" is also in vpn-slow.yaml (router.errorCodes[0]); a code belongs to one flow only'],
    ['a malformed error code', { 'vpn-slow.yaml': vpnRouter('  errorCodes: ["0xCAA7"]\n') }, 'vpn-slow.yaml: router.errorCodes[0]: an error code is 0xCAA followed by 5 hex digits'],
    ['an unquoted 0x code (YAML reads a number)', { 'vpn-slow.yaml': vpnRouter('  errorCodes: [0xCAA70004]\n') }, 'vpn-slow.yaml: router.errorCodes[0]: put the code in quotes ("0xCAA70004")'],
    ['a word mapped to two synonyms', { 'vpn-slow.yaml': vpnRouter('  synonyms:\n    network: [wlan]\n') }, 'wifi-down.yaml: router.synonyms.wifi[1]: "wlan" already means "network" (vpn-slow.yaml, router.synonyms.network[0]); a word maps to one synonym only'],
  ])('reports %s with its exact path', (_what, edits, expected) => {
    const problems = problemsWith(edits);
    expect(problems).toContainEqual(expect.stringMatching(new RegExp(`^${expected.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`)));
  });

  it('needs a free place for the undo button on the question after a pre-answered one', () => {
    const six = ['a', 'b', 'c', 'd', 'e', 'f'].map((x) => `      - id: ${x}\n        label: Option ${x}\n        next: vp-esc\n`).join('');
    const edit = (t: string) =>
      t
        .replace('start: vp-when', 'facts:\n  - question: vp-when\n    fact: scope\n    answers: { always: [many] }\nstart: vp-when')
        .replace('      - id: always\n        label: All the time\n        next: vp-esc', '      - id: always\n        label: All the time\n        next: vp-which')
        .replace('  - id: vp-esc\n', `  - id: vp-which\n    type: question\n    text: Which office?\n    options:\n${six}  - id: vp-esc\n`);
    expect(problemsWith({ 'vpn-slow.yaml': edit })).toEqual([
      'vpn-slow.yaml: facts[0].answers.always: question "vp-which" follows an answer taken from the first message and needs a free place for the "That\'s not right" button (it has 6 options, at most 5 allowed here)',
    ]);
  });
});
