/**
 * Compiles a validated flow definition into an XState v5 machine, once at startup.
 *
 * Every flow node becomes a state named after the node id. Two built-in states close a flow:
 * `_resolved` (a remediation fixed the problem; asks "was this helpful?") and `_closed`
 * (final). Escalation nodes are final states. The machine never performs I/O: the engine
 * reads the state after each transition and decides what to say and store.
 */
import { setup, assign, type SnapshotFrom, type StateValue } from 'xstate';
import type { FlowDefinition, FlowNode, RemediationNode } from './schema';

export const RESOLVED = '_resolved';
export const CLOSED = '_closed';

/** Fixed answers of the follow-up question after a remediation and of the feedback question. */
export const FIXED = 'fixed';
export const NOT_FIXED = 'not-fixed';
export const HELPFUL = 'helpful';
export const NOT_HELPFUL = 'not-helpful';

export interface TrailStep {
  readonly nodeId: string;
  readonly optionId: string;
}

export interface FlowContext {
  /** Every answered question and remediation outcome, in order. */
  readonly trail: readonly TrailStep[];
}

export interface AnswerEvent {
  readonly type: 'ANSWER';
  readonly nodeId: string;
  readonly optionId: string;
}

export interface Choice {
  readonly id: string;
  readonly label: string;
  readonly next: string;
}

export function buildMachine(flow: FlowDefinition) {
  const flowSetup = setup({
    types: {
      context: {} as FlowContext,
      events: {} as AnswerEvent,
    },
    guards: {
      answered: ({ event }, params: TrailStep) =>
        event.nodeId === params.nodeId && event.optionId === params.optionId,
    },
    actions: {
      record: assign({
        trail: ({ context, event }) => [...context.trail, { nodeId: event.nodeId, optionId: event.optionId }],
      }),
    },
  });

  const answerTransitions = (nodeId: string, choices: readonly Choice[]) => ({
    ANSWER: choices.map((choice) => ({
      guard: { type: 'answered' as const, params: { nodeId, optionId: choice.id } },
      target: choice.next,
      actions: 'record' as const,
    })),
  });

  const states: Record<string, object> = {};
  for (const node of flow.nodes) {
    states[node.id] =
      node.type === 'escalation'
        ? { type: 'final' }
        : { on: answerTransitions(node.id, choicesOf(node)) };
  }
  states[RESOLVED] = { on: answerTransitions(RESOLVED, FEEDBACK_CHOICES) };
  states[CLOSED] = { type: 'final' };

  return flowSetup.createMachine({
    id: flow.id,
    context: { trail: [] },
    initial: flow.start,
    states,
  });
}

export type FlowMachine = ReturnType<typeof buildMachine>;
export type FlowSnapshot = SnapshotFrom<FlowMachine>;

/** The "was this helpful?" question asked once a remediation fixed the problem. */
export const FEEDBACK_CHOICES: readonly Choice[] = [
  { id: HELPFUL, label: 'Yes, helpful', next: CLOSED },
  { id: NOT_HELPFUL, label: 'Not really', next: CLOSED },
];

/** Flow machines are flat, so a state value is always the name of one state. */
export function stateName(value: StateValue): string {
  if (typeof value !== 'string') throw new Error(`flow machines are flat; got a nested state value ${JSON.stringify(value)}`);
  return value;
}

/** The answers a node accepts, and where each leads. Escalations accept none. */
export function choicesOf(node: FlowNode): readonly Choice[] {
  switch (node.type) {
    case 'question':
      return node.options;
    case 'remediation':
      return remediationChoices(node);
    case 'escalation':
      return [];
  }
}

function remediationChoices(node: RemediationNode): readonly Choice[] {
  return [
    { id: FIXED, label: 'Yes, it is fixed', next: RESOLVED },
    {
      id: NOT_FIXED,
      label: node.who === 'admin' ? 'No, or I need an admin for this' : 'No, still broken',
      next: node.next,
    },
  ];
}

/** Events that the machine accepts in a given state: one per answer. Used by the graph checks and tests. */
export function answerEvents(flow: FlowDefinition, stateValue: string): AnswerEvent[] {
  return choicesAt(flow, stateValue).map((c) => ({ type: 'ANSWER', nodeId: stateValue, optionId: c.id }));
}

/** The answers accepted in a state of the flow's machine (a node, or the built-in `_resolved`). */
export function choicesAt(flow: FlowDefinition, stateValue: string): readonly Choice[] {
  if (stateValue === RESOLVED) return FEEDBACK_CHOICES;
  const node = flow.nodes.find((n) => n.id === stateValue);
  return node ? choicesOf(node) : [];
}
