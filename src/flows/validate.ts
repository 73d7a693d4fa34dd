/**
 * Checks on flow definitions beyond their shape: unique ids, no dangling targets, every
 * node reachable, no cycles, and (on the compiled machine, with @xstate/graph) every path
 * ending in a resolved remediation or an escalation. Each problem names the exact path.
 */
import { getSimplePaths } from '@xstate/graph';
import { transition } from 'xstate';
import { answerEvents, buildMachine, choicesOf, CLOSED, RESOLVED, stateName, type FlowMachine } from './compile';
import type { FlowDefinition, FlowNode } from './schema';

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
 * Walks every simple path of the compiled machine (with @xstate/graph) and reports where a
 * conversation could get stuck: every path must end in `_closed` (a remediation fixed it and
 * feedback was given) or in an escalation node, and every other state must move on for at
 * least one of its answers.
 */
export function checkFlowPaths(flow: FlowDefinition, machine: FlowMachine, file: string): Problem[] {
  const escalations = new Set(flow.nodes.filter((n) => n.type === 'escalation').map((n) => n.id));
  const paths = getSimplePaths(machine, { events: (snapshot) => answerEvents(flow, stateName(snapshot.value)) });
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
