import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { setup } from 'xstate';
import { FlowCatalogueError, loadCatalogue, validateCatalogue } from '../../src/flows/catalogue';
import { buildMachine } from '../../src/flows/compile';
import { checkFlowPaths, formatProblem } from '../../src/flows/validate';
import { copyOfFixtureCatalogue, fixtureCatalogue } from '../helpers/fixtures';

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..', '..');

/** Problems reported for the fixture catalogue after replacing one file. */
function problemsWith(file: string, edit: (text: string) => string): string[] {
  const copy = copyOfFixtureCatalogue();
  try {
    const original = readFileSync(path.join(copy.dir, file), 'utf8');
    copy.write(file, edit(original));
    return validateCatalogue(copy.dir).problems.map(formatProblem);
  } finally {
    copy.remove();
  }
}

describe('flow catalogue loading and validation', () => {
  it('loads, hashes and compiles every flow of a valid catalogue', () => {
    const catalogue = fixtureCatalogue();
    expect([...catalogue.flows.keys()]).toEqual(['printer-jam', 'vpn-slow', 'wifi-down']);
    expect(catalogue.topics.map((t) => t.id)).toEqual(['network', 'hardware']);
    expect(catalogue.flowsInTopic('network').map((f) => f.definition.id)).toEqual(['vpn-slow', 'wifi-down']);
    expect(catalogue.flows.get('wifi-down')!.hash).toMatch(/^[0-9a-f]{16}$/);
  });

  it('gives a flow a new hash when its content changes, and the same hash otherwise', () => {
    const copy = copyOfFixtureCatalogue();
    try {
      const before = loadCatalogue(copy.dir).flows.get('vpn-slow')!.hash;
      expect(loadCatalogue(copy.dir).flows.get('vpn-slow')!.hash).toBe(before);
      copy.write('vpn-slow.yaml', readFileSync(path.join(copy.dir, 'vpn-slow.yaml'), 'utf8').replace('Slow VPN.', 'Slow VPN!'));
      expect(loadCatalogue(copy.dir).flows.get('vpn-slow')!.hash).not.toBe(before);
    } finally {
      copy.remove();
    }
  });

  it.each<[string, string, (t: string) => string, string]>([
    ['a dangling option target', 'wifi-down.yaml', (t) => t.replace('next: wf-esc-outage', 'next: nope'), 'wifi-down.yaml: nodes[2].options[0].next: unknown node "nope"'],
    ['a dangling remediation target', 'printer-jam.yaml', (t) => t.replace('next: pj-esc', 'next: pj-gone'), 'printer-jam.yaml: nodes[0].next: unknown node "pj-gone"'],
    ['a dangling start', 'vpn-slow.yaml', (t) => t.replace('start: vp-when', 'start: vp-nope'), 'vpn-slow.yaml: start: unknown node "vp-nope"'],
    ['a duplicate node id', 'wifi-down.yaml', (t) => t.replace('id: wf-esc-outage', 'id: wf-esc'), 'wifi-down.yaml: nodes[6].id: duplicate node id "wf-esc" (first used at nodes[5])'],
    ['a duplicate option id', 'vpn-slow.yaml', (t) => t.replace('id: sometimes', 'id: always'), 'vpn-slow.yaml: nodes[0].options[1].id: duplicate option id "always"'],
    ['an unreachable node', 'wifi-down.yaml', (t) => t.replace('next: wf-esc-outage', 'next: wf-esc'), 'wifi-down.yaml: nodes[6]: node "wf-esc-outage" is not reachable from start "wf-where"'],
    ['a cycle', 'wifi-down.yaml', (t) => t.replace('    next: wf-admin', '    next: wf-where'), 'wifi-down.yaml: nodes[0]: cycle: wf-where → wf-others → wf-forget → wf-where'],
    ['a missing field', 'vpn-slow.yaml', (t) => t.replace('title: VPN is slow\n', ''), 'vpn-slow.yaml: title:'],
    ['an unknown key', 'vpn-slow.yaml', (t) => t.replace('    text: Is it slow all the time?', '    text: Is it slow all the time?\n    colour: red'), 'vpn-slow.yaml: nodes[0]: Unrecognized key: "colour"'],
    ['a question with one option', 'vpn-slow.yaml', (t) => t.replace(/ {6}- id: sometimes\n.*\n.*\n/, ''), 'vpn-slow.yaml: nodes[0].options: Too small'],
    ['an option label over 75 characters', 'vpn-slow.yaml', (t) => t.replace('label: Sometimes', `label: ${'S'.repeat(76)}`), 'vpn-slow.yaml: nodes[0].options[1].label: Too big'],
    ['a bad node type', 'vpn-slow.yaml', (t) => t.replace('type: escalation', 'type: ticket'), 'vpn-slow.yaml: nodes[1].type:'],
    ['a bad id', 'vpn-slow.yaml', (t) => t.replace('id: vp-esc\n', 'id: VP_Esc\n').replace('next: vp-esc', 'next: VP_Esc'), 'vpn-slow.yaml: nodes[1].id: node id must be lowercase'],
    ['an id that does not match the file', 'vpn-slow.yaml', (t) => t.replace('id: vpn-slow', 'id: vpn-fast'), 'vpn-slow.yaml: id: flow id "vpn-fast" must match the file name "vpn-slow"'],
    ['an unknown topic', 'vpn-slow.yaml', (t) => t.replace('topic: network', 'topic: printers'), 'vpn-slow.yaml: topic: unknown topic "printers" (topics.yaml lists: network, hardware)'],
    ['a node id used by another flow', 'vpn-slow.yaml', (t) => t.replaceAll('vp-esc', 'wf-esc'), 'wifi-down.yaml: nodes[5].id: node id "wf-esc" is already used by flow "vpn-slow"; node ids are unique across the catalogue'],
    ['invalid YAML', 'vpn-slow.yaml', (t) => t.replace('start: vp-when', 'start: [vp-when'), 'vpn-slow.yaml: line'],
  ])('reports %s with its exact path', (_what, file, edit, expected) => {
    const problems = problemsWith(file, edit);
    expect(problems).toContainEqual(expect.stringMatching(new RegExp(`^${expected.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`)));
  });

  it('reports a missing topics.yaml', () => {
    const copy = copyOfFixtureCatalogue();
    try {
      rmSync(path.join(copy.dir, 'topics.yaml'));
      expect(validateCatalogue(copy.dir).problems.map(formatProblem)).toContain('topics.yaml: missing: the catalogue needs a topics.yaml listing the topic menu');
    } finally {
      copy.remove();
    }
  });

  it('throws one error listing every problem at startup', () => {
    const copy = copyOfFixtureCatalogue();
    try {
      copy.write('broken.yaml', 'id: broken\n');
      expect(() => loadCatalogue(copy.dir)).toThrow(FlowCatalogueError);
      expect(() => loadCatalogue(copy.dir)).toThrow(/broken\.yaml: title: .*\n.*broken\.yaml: summary/s);
    } finally {
      copy.remove();
    }
  });

  it('finds a compiled state where a conversation would get stuck (graph check on the machine)', () => {
    const flow = fixtureCatalogue().flows.get('vpn-slow')!.definition;
    // A machine that ignores the answers of its first question: every path stops there.
    const stuck = setup({}).createMachine({ id: 'x', initial: 'vp-when', context: { trail: [] }, states: { 'vp-when': {}, 'vp-esc': { type: 'final' } } });
    const problems = checkFlowPaths(flow, stuck as unknown as ReturnType<typeof buildMachine>, 'vpn-slow.yaml').map(formatProblem);
    expect(problems).toContain('vpn-slow.yaml: nodes[0]: "vp-when": a conversation gets stuck here: no answer leads anywhere');
    expect(checkFlowPaths(flow, buildMachine(flow), 'vpn-slow.yaml')).toEqual([]);
  });

  it('flows:check exits 1 and prints each problem for a broken catalogue, 0 for a valid one', async () => {
    const copy = copyOfFixtureCatalogue();
    try {
      copy.write('vpn-slow.yaml', 'id: vpn-slow\n');
      const failed = await run('npx', ['tsx', 'src/flows/check.ts', copy.dir], { cwd: ROOT }).then(
        () => undefined,
        (err: { code: number; stderr: string }) => err,
      );
      expect(failed?.code).toBe(1);
      expect(failed?.stderr).toMatch(/vpn-slow\.yaml: title:/);
      const ok = await run('npx', ['tsx', 'src/flows/check.ts', path.join(ROOT, 'test', 'fixtures', 'catalogue')], { cwd: ROOT });
      expect(ok.stdout).toMatch(/3 flows, 11 nodes, 2 topics: all valid/);
    } finally {
      copy.remove();
    }
  });
});
