/**
 * Checks on flow definitions beyond their shape: unique ids, no dangling targets, every
 * node reachable, no cycles, and (on the compiled machine, with @xstate/graph) every path
 * ending in a resolved remediation or an escalation. Each problem names the exact path.
 */
import { getShortestPaths } from '@xstate/graph';
import { transition } from 'xstate';
import { answerEvents, buildMachine, choicesOf, CLOSED, RESOLVED, stateName, type FlowMachine } from './compile';
import { ERROR_CODE_PATTERN, FACTS, factMatch, MAX_OPTIONS, type FlowDefinition, type FlowNode } from './schema';

export interface Problem {
  readonly file: string;
  /** Where in the file, e.g. `nodes[3].options[1].next`; empty for the whole file. */
  readonly path: string;
  readonly message: string;
}

export function formatProblem(p: Problem): string {
  return p.path ? `${p.file}: ${p.path}: ${p.message}` : `${p.file}: ${p.message}`;
}

/** Structural checks of one flow. Returns no problems for a flow that is safe to compile. */
export function checkFlowGraph(flow: FlowDefinition, file: string): Problem[] {
  const problems: Problem[] = [];
  const report = (path: string, message: string) => problems.push({ file, path, message });

  const indexById = new Map<string, number>();
  flow.nodes.forEach((node, i) => {
    const first = indexById.get(node.id);
    if (first === undefined) indexById.set(node.id, i);
    else report(`nodes[${i}].id`, `duplicate node id "${node.id}" (first used at nodes[${first}])`);
  });

  if (!indexById.has(flow.start)) report('start', `unknown node "${flow.start}"`);
  problems.push(...checkFlowFacts(flow, file));

  flow.nodes.forEach((node, i) => {
    if (node.type === 'question') {
      const seen = new Set<string>();
      node.options.forEach((option, k) => {
        if (seen.has(option.id)) report(`nodes[${i}].options[${k}].id`, `duplicate option id "${option.id}"`);
        seen.add(option.id);
        if (!indexById.has(option.next)) report(`nodes[${i}].options[${k}].next`, `unknown node "${option.next}"`);
      });
    } else if (node.type === 'remediation' && !indexById.has(node.next)) {
      report(`nodes[${i}].next`, `unknown node "${node.next}"`);
    }
  });
  if (problems.length > 0) return problems;

  const byId = new Map(flow.nodes.map((n) => [n.id, n]));
  const successors = (node: FlowNode) => choicesOf(node).map((c) => c.next).filter((next) => byId.has(next));

  // Reachability from start.
  const reached = new Set<string>([flow.start]);
  const queue = [flow.start];
  for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
    for (const next of successors(byId.get(id)!)) {
      if (!reached.has(next)) {
        reached.add(next);
        queue.push(next);
      }
    }
  }
  flow.nodes.forEach((node, i) => {
    if (!reached.has(node.id)) report(`nodes[${i}]`, `node "${node.id}" is not reachable from start "${flow.start}"`);
  });

  // Cycles: a flow is a tree-like DAG, so every conversation ends.
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string, stack: string[]): void => {
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'visiting') {
      const cycle = [...stack.slice(stack.indexOf(id)), id].join(' → ');
      report(`nodes[${indexById.get(id)}]`, `cycle: ${cycle}`);
      return;
    }
    state.set(id, 'visiting');
    for (const next of successors(byId.get(id)!)) visit(next, [...stack, id]);
    state.set(id, 'done');
  };
  visit(flow.start, []);

  return problems;
}

/**
 * Visits every reachable state of the compiled machine (with @xstate/graph, one shortest path
 * per state) and reports where a conversation could get stuck: a final state must be `_closed`
 * (a remediation fixed it and feedback was given) or an escalation node, and every other state
 * must move on for at least one of its answers. The flow is acyclic (checkFlowGraph), so this
 * means every path ends in an outcome, without enumerating every path (which took seconds per
 * flow at startup; test/flows/paths.test.ts still drives every simple path).
 */
export function checkFlowPaths(flow: FlowDefinition, machine: FlowMachine, file: string): Problem[] {
  const escalations = new Set(flow.nodes.filter((n) => n.type === 'escalation').map((n) => n.id));
  // One shortest path per reachable state: the checks are per state, so every simple path is not needed.
  const paths = getShortestPaths(machine, { events: (snapshot) => answerEvents(flow, stateName(snapshot.value)) });
  const stuck = new Map<string, string>();
  for (const { state } of paths) {
    const value = stateName(state.value);
    if (state.status === 'done') {
      if (value !== CLOSED && !escalations.has(value)) stuck.set(value, 'the flow ends here without a remediation outcome or an escalation');
      continue;
    }
    const moves = answerEvents(flow, value).some((event) => stateName(transition(machine, state, event)[0].value) !== value);
    if (!moves) stuck.set(value, 'a conversation gets stuck here: no answer leads anywhere');
  }
  const problems: Problem[] = [...stuck].map(([value, message]) => {
    const i = flow.nodes.findIndex((n) => n.id === value);
    return { file, path: i >= 0 ? `nodes[${i}]` : '', message: `"${value}": ${message}` };
  });
  if (!paths.some((p) => stateName(p.state.value) === RESOLVED || escalations.has(stateName(p.state.value)))) {
    problems.push({ file, path: '', message: 'no path reaches a remediation outcome or an escalation' });
  }
  return problems;
}

/** Compiles a flow that passed `checkFlowGraph`, then checks its paths. */
export function compileChecked(flow: FlowDefinition, file: string): { machine?: FlowMachine; problems: Problem[] } {
  const graphProblems = checkFlowGraph(flow, file);
  if (graphProblems.length > 0) return { problems: graphProblems };
  const machine = buildMachine(flow);
  const problems = checkFlowPaths(flow, machine, file);
  return problems.length > 0 ? { problems } : { machine, problems };
}

/**
 * The `facts` rules of one flow: each names a question of this flow and options of that question,
 * with values the fact can take; a value chooses one option only. The question after an answer
 * taken from the first message gets a "That's not right" button, so it needs a free place.
 */
export function checkFlowFacts(flow: FlowDefinition, file: string): Problem[] {
  const problems: Problem[] = [];
  const report = (path: string, message: string) => problems.push({ file, path, message });
  const byId = new Map(flow.nodes.map((n) => [n.id, n]));
  const chosen = new Map<string, string>();
  flow.facts.forEach((rule, i) => {
    const node = byId.get(rule.question);
    if (!node || node.type !== 'question') {
      report(`facts[${i}].question`, node ? `"${rule.question}" is a ${node.type}, not a question` : `unknown question "${rule.question}"`);
      return;
    }
    const allowed: readonly string[] = FACTS[rule.fact];
    for (const [optionId, values] of Object.entries(rule.answers)) {
      const where = `facts[${i}].answers.${optionId}`;
      const option = node.options.find((o) => o.id === optionId);
      if (!option) {
        report(where, `unknown option "${optionId}" of question "${node.id}" (it has: ${node.options.map((o) => o.id).join(', ')})`);
        continue;
      }
      values.forEach((value, k) => {
        const valid = rule.fact === 'error-code' ? ERROR_CODE_PATTERN.test(value) : allowed.includes(value);
        if (!valid) {
          const expected = rule.fact === 'error-code' ? 'an error code such as 0xcaa70004, aadsts50053 or a prefix such as 0xcaa9*' : allowed.join(', ');
          report(`${where}[${k}]`, `"${value}" is not a value of fact "${rule.fact}" (expected ${expected})`);
          return;
        }
        const key = `${node.id}|${rule.fact}|${value}`;
        const other = chosen.get(key);
        if (other !== undefined && other !== optionId) report(`${where}[${k}]`, `${rule.fact} "${value}" already answers "${node.id}" with option "${other}"`);
        else chosen.set(key, optionId);
      });
      // The next question needs room for the button, unless the same fact always answers it too.
      const next = byId.get(option.next);
      const nextRules = flow.facts.filter((r) => r.question === option.next && r.fact === rule.fact);
      const coveredByNext = (value: string) =>
        nextRules.some((r) => Object.values(r.answers).some((listed) => listed.some((l) => factMatch(l, value.replace(/\*$/, '')) >= 0 && (!value.endsWith('*') || l.endsWith('*')))));
      if (next?.type === 'question' && next.options.length >= MAX_OPTIONS && !values.every(coveredByNext)) {
        report(where, `question "${next.id}" follows an answer taken from the first message and needs a free place for the "That's not right" button (it has ${next.options.length} options, at most ${MAX_OPTIONS - 1} allowed here)`);
      }
    }
  });
  return problems;
}

/** How the catalogue compares examples: case, punctuation and spacing do not count. */
export function exampleKey(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();
}

/**
 * Routing data across flows: an example belongs to one flow only, an error code to one flow
 * only, and a word a user writes maps to one synonym only.
 */
export function checkRoutingAcrossFlows(flows: readonly { readonly definition: FlowDefinition; readonly file: string }[]): Problem[] {
  const problems: Problem[] = [];
  const examples = new Map<string, { file: string; path: string }>();
  const codes = new Map<string, { file: string; path: string }>();
  const variants = new Map<string, { canonical: string; file: string; path: string }>();
  for (const { definition, file } of flows) {
    definition.router.examples.forEach((example, i) => {
      const key = exampleKey(example);
      const path = `router.examples[${i}]`;
      const first = examples.get(key);
      if (first) problems.push({ file, path, message: `example "${example}" is also in ${first.file} (${first.path}); an example belongs to one flow only` });
      else examples.set(key, { file, path });
    });
    definition.router.errorCodes.forEach((code, i) => {
      const path = `router.errorCodes[${i}]`;
      const first = codes.get(code);
      if (first) problems.push({ file, path, message: `error code "${code}" is also in ${first.file} (${first.path}); a code belongs to one flow only` });
      else codes.set(code, { file, path });
    });
    for (const [canonical, words] of Object.entries(definition.router.synonyms)) {
      words.forEach((word, i) => {
        const key = exampleKey(word);
        const path = `router.synonyms.${canonical}[${i}]`;
        const first = variants.get(key);
        if (first && exampleKey(first.canonical) !== exampleKey(canonical)) {
          problems.push({ file, path, message: `"${word}" already means "${first.canonical}" (${first.file}, ${first.path}); a word maps to one synonym only` });
        } else if (!first) variants.set(key, { canonical, file, path });
      });
    }
  }
  return problems;
}
