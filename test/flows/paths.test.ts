/**
 * Every path of every flow in the catalogue, generated with @xstate/graph from the compiled
 * machine (not listed by hand), driven through the engine as a user would: pick the flow in the
 * menu, then answer step by step. Each path must end in a resolved remediation or an
 * escalation with a ticket that carries the whole trail.
 */
import { getSimplePaths } from '@xstate/graph';
import { MENU, TOPIC_MENU_PREFIX } from '../../src/bot/conversation';
import { ticketPriority } from '../../src/bot/priority';
import { conversationKey, type Reply } from '../../src/bot/messages';
import type { Storage } from '../../src/bot/ports';
import { loadCatalogue, type LoadedFlow } from '../../src/flows/catalogue';
import { answerEvents, CLOSED, stateName } from '../../src/flows/compile';
import { Chat, engineFor, memoryStorage, webRef } from '../helpers/fixtures';

const catalogue = loadCatalogue();
const FLOW_IDS = [
  'credential-prompt-loop',
  'exchange-integration-error',
  'presence-not-updating',
  'contacts-missing',
  'conversation-history-missing',
  'photos-missing',
  'voicemail-missing',
  'calendar-missing',
  'password-reset',
  'account-locked',
  'mfa-device-change',
  'teams-sign-in-error',
];

function terminalPaths(flow: LoadedFlow) {
  const { definition, machine } = flow;
  return getSimplePaths(machine, { events: (s) => answerEvents(definition, stateName(s.value)) })
    .filter((p) => p.state.status === 'done')
    .map((p) => ({
      end: stateName(p.state.value),
      answers: p.steps.flatMap((s) => (s.event.type === 'ANSWER' ? [s.event] : [])),
    }));
}

async function openFlow(chat: Chat, flow: LoadedFlow): Promise<Reply[]> {
  const topic = flow.definition.topic;
  const replies = await chat.choose(MENU, topic);
  if (catalogue.flowsInTopic(topic).length === 1) return replies;
  return chat.choose(`${TOPIC_MENU_PREFIX}${topic}`, flow.definition.id);
}

describe('the flow catalogue', () => {
  it('has exactly the twelve flows', () => {
    expect([...catalogue.flows.keys()].sort()).toEqual([...FLOW_IDS].sort());
  });
});

describe.each(FLOW_IDS)('every path of flow %s', (flowId) => {
  let storage: Storage;
  beforeAll(async () => {
    storage = await memoryStorage();
  });
  afterAll(() => storage.close());

  it('ends in a resolved remediation or an escalation, driven through the engine', async () => {
    const flow = catalogue.flows.get(flowId)!;
    const escalations = new Set(flow.definition.nodes.filter((n) => n.type === 'escalation').map((n) => n.id));
    const paths = terminalPaths(flow);
    expect(paths.length).toBeGreaterThan(0);
    expect(paths.some((p) => p.end === CLOSED)).toBe(true);
    expect(paths.some((p) => escalations.has(p.end))).toBe(true);

    for (const [i, path] of paths.entries()) {
      const chat = new Chat(engineFor(catalogue, storage), webRef(`${flowId}-${i}`));
      let replies = await openFlow(chat, flow);
      for (const answer of path.answers) {
        const open = chat.question();
        expect({ flowId: open.flowId, nodeId: open.nodeId }).toEqual({ flowId, nodeId: answer.nodeId });
        expect(open.options.length).toBeGreaterThanOrEqual(2);
        expect(open.options.length).toBeLessThanOrEqual(6);
        replies = await chat.choose(answer.nodeId, answer.optionId);
        for (const r of replies) {
          // The intake before a ticket belongs to the escalation, not to the flow.
          if (r.nodeId?.startsWith('intake.')) continue;
          if (r.kind !== 'text' || r.flowId) expect(r.flowId).toBe(flowId);
          if (r.kind === 'remediation') expect(r.steps.length).toBeGreaterThan(0);
        }
      }
      const stored = await storage.loadConversation(conversationKey(chat.ref));
      expect(stored?.state.flow).toBeUndefined();
      if (path.end === CLOSED) {
        expect(replies.map((r) => r.kind)).toEqual(['text']);
      } else {
        expect(escalations.has(path.end)).toBe(true);
        replies = await chat.finishIntake();
        const escalation = replies.find((r) => r.kind === 'escalation');
        expect(escalation).toMatchObject({ kind: 'escalation', flowId, nodeId: path.end, ticketId: expect.stringMatching(/^HD-\d+$/) });
        const ticket = await storage.getTicket((escalation as Extract<Reply, { kind: 'escalation' }>).ticketId);
        expect(ticket?.trail).toHaveLength(path.answers.length);
        expect(ticket?.flowId).toBe(flowId);
        // Picked from the menu, so the guide's title is the summary; the intake asked the rest.
        expect(ticket).toMatchObject({ summary: flow.definition.title, since: 'Today' });
        // "Only me" from the intake, unless a flow question already told who else is affected.
        expect(ticket?.affected).toMatch(/^(me|many)$/);
        const end = flow.nodes.get(path.end);
        expect(ticket?.priority).toBe(end?.type === 'escalation' ? ticketPriority(ticket?.affected, end.urgency, end.impact) : 'missing');
      }
    }
  });
});
