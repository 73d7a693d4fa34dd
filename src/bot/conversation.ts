/**
 * The conversation shell around the flows, as a pure function of (stored state, inbound
 * message): greeting and topic menu, routing of a first free-text message, commands
 * (restart, help, talk to a person), stale buttons, flow changes, and each flow step through
 * its compiled XState machine. No I/O here: the engine loads, commits and fills in tickets.
 */
import { initialTransition, transition } from 'xstate';
import { z } from 'zod';
import type { Catalogue, LoadedFlow } from '../flows/catalogue';
import { MAX_OPTIONS } from '../flows/schema';
import { CLOSED, FIXED, RESOLVED, choicesAt, stateName, type FlowContext } from '../flows/compile';
import { isGreeting, parseCommand } from './commands';
import type { Command, Inbound, Reply, ReplyOption } from './messages';
import type { Affected, ConversationState, TrailItem, UserInput } from './ports';
import type { Level } from './priority';
import { answerFromFacts, describeFact, type Facts, type Router } from './router';

export const MENU = 'menu';
export const TOPIC_MENU_PREFIX = 'menu.';
export const PERSON = 'person';
export const BACK = 'back';
/** The two-way question after an ambiguous first message, and its "Something else" option. */
export const ROUTE = 'route';
export const OTHER = 'other';
/** The option that undoes answers taken from the first message (ids in flow files cannot start with "_"). */
export const NOT_RIGHT = '_not-right';

export interface TurnDeps {
  readonly catalogue: Catalogue;
  readonly router: Router;
}

/** A ticket the turn asks for; the engine creates it (once per episode) and fills in its id. */
export interface EscalationRequest {
  readonly reason: string;
  readonly flowId?: string;
  readonly nodeId?: string;
  readonly trail: readonly TrailItem[];
  /** From the flow's escalation node; a person asked for mid-flow is "medium". */
  readonly urgency?: Level;
  /** The flow's least impact for this escalation (a suspected compromise is high). */
  readonly impact?: Level;
  /** The intake: a one-line summary, since when, and who else is affected. */
  readonly summary?: string;
  readonly since?: string;
  readonly affected?: Affected;
}

export interface TurnPlan {
  readonly state: ConversationState;
  /** Escalation replies carry an empty ticketId and text until the engine fills them in. */
  readonly replies: readonly Reply[];
  readonly escalation?: EscalationRequest;
  /** The inbound message as the transcript records it. */
  readonly input: UserInput;
  /** The user asked for their tickets; the engine puts the list in front of the replies. */
  readonly listTickets?: true;
}

export const HELP_TEXT =
  'Tell me what is wrong in your own words, or pick a topic. I ask a few questions and suggest fixes. ' +
  'At any time you can type "restart" to start over, "help" to see this, "my tickets" to see your tickets, or "talk to someone" to open a ticket for the support team.';

const FactsSchema = z.record(z.string(), z.string());

/** The intake questions asked before a ticket is opened, for what the conversation has not told yet. */
export const INTAKE_SUMMARY = 'intake.summary';
export const INTAKE_SINCE = 'intake.since';
export const INTAKE_AFFECTED = 'intake.affected';

const SINCE_OPTIONS: readonly ReplyOption[] = [
  { id: 'today', label: 'Today' },
  { id: 'days', label: 'The last few days' },
  { id: 'week', label: 'A week or longer' },
  { id: 'unsure', label: "I'm not sure" },
];

const AFFECTED_OPTIONS: readonly (ReplyOption & { readonly affected: Affected })[] = [
  { id: 'me', label: 'Only me', affected: 'me' },
  { id: 'some', label: 'Some colleagues or my team', affected: 'some' },
  { id: 'many', label: 'Many people or everyone', affected: 'many' },
  { id: 'unsure', label: "I'm not sure", affected: 'unknown' },
];

/**
 * Free-text answers to "who else is affected?" that are clear enough to take, tried in order:
 * "not sure" first, then the widest scope named, so "not only me, my whole team" is the team.
 */
const AFFECTED_WORDS: readonly [RegExp, Affected][] = [
  [/\b(not sure|no idea|don'?t know|unsure)\b/, 'unknown'],
  [/\b(everyone|everybody|whole (company|office|org\w*)|all (users|staff|of us)|(?<!not )many)\b/, 'many'],
  [/\b(team|colleagues?|coworkers?|department|a few|some|others)\b/, 'some'],
  [/(?<!not )\b(only|just) me\b|\bjust mine\b|\bnobody else\b|\bno one else\b/, 'me'],
];

const TrailItemSchema = z.union([
  z.object({
    kind: z.literal('question'),
    nodeId: z.string(),
    question: z.string(),
    answer: z.string(),
    source: z.literal('first-message').optional(),
  }),
  z.object({
    kind: z.literal('remediation'),
    nodeId: z.string(),
    title: z.string(),
    audience: z.enum(['user', 'admin']),
    outcome: z.enum(['fixed', 'not fixed']),
  }),
]);

const IntakeSchema = z.object({
  request: z.object({
    reason: z.string(),
    flowId: z.string().optional(),
    nodeId: z.string().optional(),
    urgency: z.enum(['high', 'medium', 'low']).optional(),
    impact: z.enum(['high', 'medium', 'low']).optional(),
    trail: z.array(TrailItemSchema),
  }),
  summary: z.string().optional(),
  since: z.string().optional(),
  affected: z.enum(['me', 'some', 'many', 'unknown']).optional(),
});
type Intake = NonNullable<ConversationState['intake']>;

/** Longest summary or "since" the intake keeps from free text. */
const MAX_INTAKE_TEXT = 200;

/**
 * The stored state as this code writes it; anything else (a corrupt row, an old format) is
 * rejected. `facts`, `prefilled` and `routing` are optional, so states stored before them load.
 */
const StoredStateSchema = z.object({
  episode: z.number().int().nonnegative(),
  flow: z
    .object({
      id: z.string(),
      hash: z.string(),
      value: z.string(),
      context: z.object({ trail: z.array(z.object({ nodeId: z.string(), optionId: z.string() })) }),
      facts: FactsSchema.optional(),
      prefilled: z.array(z.string()).optional(),
    })
    .optional(),
  routing: z.object({ flowIds: z.array(z.string()).min(1), facts: FactsSchema.optional() }).optional(),
  /** The user's own description of the problem (the first free-text message), for the ticket summary. */
  problem: z.string().optional(),
  /** Who else is affected, when the first message said ("only me", "everyone"). */
  scope: z.enum(['me', 'many']).optional(),
  /** Waiting for intake answers before the ticket is opened. */
  intake: IntakeSchema.optional(),
  /** This episode's ticket exists: asking for a person again finds it instead of a second intake. */
  escalated: z.literal(true).optional(),
});

/** Plans one turn. Throws if the stored state is unreadable; the engine then restarts the conversation. */
export function planTurn(previous: ConversationState | undefined, inbound: Inbound, deps: TurnDeps): TurnPlan {
  const state = previous === undefined ? { episode: 0 } : StoredStateSchema.parse(previous);
  const turn = new Turn(state, deps);
  turn.handle(inbound);
  return turn.result();
}

/** What a flow keeps beside its machine snapshot: facts from the first message, and which questions they answered. */
interface Prefill {
  readonly facts?: Facts;
  readonly prefilled: readonly string[];
}

type Running = { readonly loaded: LoadedFlow; readonly value: string; readonly context: FlowContext } & Prefill;

const NO_PREFILL: Prefill = { prefilled: [] };

class Turn {
  private readonly replies: Reply[] = [];
  private escalation?: EscalationRequest;
  private input: UserInput | undefined;
  private listTickets = false;

  constructor(
    private state: ConversationState,
    private readonly deps: TurnDeps,
  ) {}

  result(): TurnPlan {
    return { state: this.state, replies: this.replies, escalation: this.escalation, input: this.input!, ...(this.listTickets ? { listTickets: true } : {}) };
  }

  handle(inbound: Inbound): void {
    this.input =
      inbound.kind === 'text'
        ? { kind: 'text', text: inbound.text }
        : inbound.kind === 'choice'
          ? { kind: 'choice', nodeId: inbound.nodeId, optionId: inbound.optionId }
          : { kind: 'command', command: inbound.command };

    const changed = this.dropChangedFlow();
    const command = inbound.kind === 'command' ? inbound.command : inbound.kind === 'text' ? parseCommand(inbound.text) : undefined;
    if (command) return this.command(command);
    if (this.state.intake) return this.intakeAnswer(this.state.intake, inbound);
    if (changed) {
      // The stored step belongs to an older version of the flow: start the current one again.
      return changed.loaded ? this.startFlow(changed.loaded) : this.menu();
    }
    const running = this.running();
    if (running) return this.inFlow(running, inbound);
    return this.idle(inbound);
  }

  /** A conversation whose flow changed (or vanished) since its last turn restarts with a short explanation. */
  private dropChangedFlow(): { loaded?: LoadedFlow } | undefined {
    const flow = this.state.flow;
    if (!flow) return undefined;
    const loaded = this.deps.catalogue.flows.get(flow.id);
    const valid = loaded && loaded.hash === flow.hash && (loaded.nodes.has(flow.value) || flow.value === RESOLVED);
    if (valid) return undefined;
    this.state = { episode: this.state.episode };
    this.say({
      kind: 'text',
      text: loaded
        ? `The "${loaded.definition.title}" guide was updated since we last spoke, so we will start it again from the beginning.`
        : 'The guide we were using is no longer available, so let us start again.',
    });
    return { loaded };
  }

  private running(): Running | undefined {
    const flow = this.state.flow;
    const loaded = flow && this.deps.catalogue.flows.get(flow.id);
    return flow && loaded ? { loaded, value: flow.value, context: flow.context, facts: flow.facts, prefilled: flow.prefilled ?? [] } : undefined;
  }

  private command(command: Command): void {
    switch (command) {
      case 'restart':
        this.state = { episode: this.state.episode + 1 };
        this.say({ kind: 'text', text: 'Okay, let us start over.' });
        return this.menu();
      case 'help': {
        this.say({ kind: 'text', text: HELP_TEXT });
        if (this.state.intake) return this.continueIntake(this.state.intake);
        const running = this.running();
        if (running && running.value !== RESOLVED) return this.ask(running);
        return this.menu();
      }
      case 'tickets': {
        this.listTickets = true;
        if (this.state.intake) return this.continueIntake(this.state.intake);
        const running = this.running();
        if (running && running.value !== RESOLVED) return this.ask(running);
        return;
      }
      case 'human': {
        // Asked again during the intake: open the ticket now with what we have.
        if (this.state.intake) return this.openTicket(this.state.intake);
        const running = this.running();
        const where = running && running.value !== RESOLVED ? ` while at step "${running.value}"` : '';
        return this.escalate({
          reason: `The user asked to talk to a person${where}.`,
          flowId: running?.loaded.definition.id,
          nodeId: running?.value,
          trail: running ? trailOf(running.loaded, running.context, running.prefilled) : [],
        }, running && affectedFrom(running.loaded, running.context, running.facts));
      }
    }
  }

  private inFlow(running: Running, inbound: Inbound): void {
    const { loaded, value } = running;
    if (value === RESOLVED && !(inbound.kind === 'choice' && inbound.nodeId === RESOLVED)) {
      // The problem is solved and feedback is optional: anything else starts afresh.
      this.state = { episode: this.state.episode };
      return this.idle(inbound);
    }
    const choices = this.choices(running);
    let optionId: string | undefined;
    if (inbound.kind === 'choice') {
      if (inbound.nodeId !== value) {
        this.say({ kind: 'text', text: 'That button belongs to an earlier question. Here is where we are:' });
        return this.ask(running);
      }
      optionId = inbound.optionId;
    } else if (inbound.kind === 'text') {
      const typed = inbound.text.trim().toLowerCase();
      optionId = choices.find((c) => c.label.toLowerCase() === typed)?.id;
      if (!optionId) {
        this.say({ kind: 'text', text: 'Please pick one of the options below, or type "help", "restart" or "talk to someone".' });
        return this.ask(running);
      }
    }
    const chosen = choices.find((c) => c.id === optionId);
    if (!chosen) {
      this.say({ kind: 'text', text: 'That is not one of the options for this question.' });
      return this.ask(running);
    }
    this.input = { kind: 'choice', nodeId: value, optionId: chosen.id, label: chosen.label };
    if (chosen.id === NOT_RIGHT) return this.correct(running);

    const snapshot = loaded.machine.resolveState({ value, context: running.context });
    const [next] = transition(loaded.machine, snapshot, { type: 'ANSWER', nodeId: value, optionId: chosen.id });
    this.enter(loaded, stateName(next.value), next.context, running);
  }

  /** The answers the open step accepts, plus "That's not right" right after answers taken from the first message. */
  private choices(running: Running): readonly { id: string; label: string }[] {
    const choices = choicesAt(running.loaded.definition, running.value);
    const last = running.context.trail.at(-1);
    const correctable = running.value !== RESOLVED && last !== undefined && running.prefilled.includes(last.nodeId);
    return correctable && choices.length < MAX_OPTIONS ? [...choices, { id: NOT_RIGHT, label: "That's not right" }] : choices;
  }

  /**
   * "That's not right": the answers taken from the first message just before this step are
   * undone, the facts are forgotten for the rest of the flow, and the first of those questions is asked.
   */
  private correct(running: Running): void {
    const { loaded, context, prefilled } = running;
    let start = context.trail.length;
    while (start > 0 && prefilled.includes(context.trail[start - 1]!.nodeId)) start--;
    const kept = context.trail.slice(0, start);
    const first = context.trail[start]!;
    this.say({ kind: 'text', text: 'Sorry, I got that wrong. Let me ask instead.', flowId: loaded.definition.id });
    this.enter(loaded, first.nodeId, { trail: kept }, { prefilled: prefilled.filter((id) => kept.some((step) => step.nodeId === id)) });
  }

  private idle(inbound: Inbound): void {
    // A pending two-way question is answered now, or replaced by whatever this message leads to.
    const pending = this.state.routing;
    if (pending) this.state = { episode: this.state.episode, ...problemOf(this.state) };
    if (inbound.kind === 'choice') {
      if (inbound.nodeId === ROUTE) return this.routeChoice(pending, inbound.optionId);
      return this.menuChoice(inbound.nodeId, inbound.optionId);
    }
    if (inbound.kind !== 'text') return this.menu();
    if (pending) {
      const typed = inbound.text.trim().toLowerCase();
      const option = this.routeOptions(pending.flowIds).find((o) => o.label.toLowerCase() === typed);
      if (option) return this.routeChoice(pending, option.id);
    }
    if (inbound.text.trim() === '' || isGreeting(inbound.text)) {
      this.say({ kind: 'text', text: "Hi! I'm the IT helpdesk bot. Tell me what is wrong in your own words, or pick a topic below." });
      return this.menu();
    }
    // The user's own words become the ticket summary should this end in a ticket.
    const decision = this.deps.router.decide(inbound.text);
    const said = decision.facts.scope;
    const scope: Pick<ConversationState, 'scope'> = said === 'me' || said === 'many' ? { scope: said } : {};
    this.state = { episode: this.state.episode, problem: inbound.text.trim().slice(0, MAX_INTAKE_TEXT), ...scope };
    if (decision.kind === 'flow') {
      const loaded = this.deps.catalogue.flows.get(decision.flowId);
      if (loaded) return this.startFlow(loaded, `It sounds like: ${loaded.definition.title}. Let's work through it.`, decision.facts);
    } else if (decision.kind === 'ambiguous') {
      return this.askRoute({ flowIds: [...decision.flowIds], facts: nonEmpty(decision.facts) });
    }
    this.say({
      kind: 'text',
      text: 'I could not tell which problem that is. Pick the closest topic below, or choose "Talk to a person" and I will open a ticket for the support team.',
    });
    return this.menu();
  }

  private routeOptions(flowIds: readonly string[]): ReplyOption[] {
    const options: ReplyOption[] = flowIds.flatMap((id) => {
      const loaded = this.deps.catalogue.flows.get(id);
      return loaded ? [{ id, label: loaded.definition.title }] : [];
    });
    options.push({ id: OTHER, label: 'Something else' });
    return options;
  }

  /** One question naming the two flows that fit about equally well, plus "Something else". */
  private askRoute(routing: NonNullable<ConversationState['routing']>): void {
    this.state = { episode: this.state.episode, routing, ...problemOf(this.state) };
    this.say({ kind: 'question', nodeId: ROUTE, text: 'I am not sure which of these it is. Which one fits best?', options: this.routeOptions(routing.flowIds) });
  }

  private routeChoice(pending: ConversationState['routing'], optionId: string): void {
    if (!pending) {
      this.say({ kind: 'text', text: 'That button belongs to a conversation that has already finished.' });
      return this.menu();
    }
    if (optionId === OTHER) {
      this.say({ kind: 'text', text: 'Pick the closest topic below, or choose "Talk to a person" and I will open a ticket for the support team.' });
      return this.menu();
    }
    const loaded = pending.flowIds.includes(optionId) ? this.deps.catalogue.flows.get(optionId) : undefined;
    if (loaded) return this.startFlow(loaded, undefined, pending.facts);
    this.say({ kind: 'text', text: 'That is not one of the options for this question.' });
    return this.askRoute(pending);
  }

  private menuChoice(nodeId: string, optionId: string): void {
    const { catalogue } = this.deps;
    if (nodeId === MENU) {
      if (optionId === PERSON) return this.command('human');
      const flows = catalogue.flowsInTopic(optionId);
      const [only] = flows;
      if (flows.length === 1 && only) return this.startFlow(only);
      if (flows.length > 1) return this.topicMenu(optionId);
    } else if (nodeId.startsWith(TOPIC_MENU_PREFIX)) {
      if (optionId === BACK) return this.menu();
      const loaded = catalogue.flows.get(optionId);
      if (loaded && loaded.definition.topic === nodeId.slice(TOPIC_MENU_PREFIX.length)) return this.startFlow(loaded);
    } else {
      this.say({ kind: 'text', text: 'That button belongs to a conversation that has already finished.' });
    }
    return this.menu();
  }

  private menu(): void {
    const options: ReplyOption[] = this.deps.catalogue.topics.map((t) => ({ id: t.id, label: t.label }));
    options.push({ id: PERSON, label: 'Talk to a person' });
    this.say({ kind: 'question', nodeId: MENU, text: 'What do you need help with?', options });
  }

  private topicMenu(topicId: string): void {
    const options: ReplyOption[] = this.deps.catalogue.flowsInTopic(topicId).map((f) => ({ id: f.definition.id, label: f.definition.title }));
    options.push({ id: BACK, label: 'Something else' });
    this.say({ kind: 'question', nodeId: `${TOPIC_MENU_PREFIX}${topicId}`, text: 'Which of these fits best?', options });
  }

  private startFlow(loaded: LoadedFlow, intro?: string, facts?: Facts): void {
    const [snapshot] = initialTransition(loaded.machine);
    this.state = { episode: this.state.episode + 1, ...problemOf(this.state) };
    if (intro) this.say({ kind: 'text', text: intro, flowId: loaded.definition.id });
    this.enter(loaded, stateName(snapshot.value), snapshot.context, { facts: nonEmpty(facts), prefilled: [] });
  }

  /**
   * Moves the flow to a state and says what that state says. Questions that facts from the first
   * message answer are answered on the way (recorded in the trail like any answer), and the
   * bot says what it took from the message.
   */
  private enter(loaded: LoadedFlow, value: string, context: FlowContext, prefill: Prefill = NO_PREFILL): void {
    const flowId = loaded.definition.id;
    const understood: string[] = [];
    let prefilled = prefill.prefilled;
    for (let node = loaded.nodes.get(value); prefill.facts && node?.type === 'question'; node = loaded.nodes.get(value)) {
      const answer = answerFromFacts(loaded.definition.facts, node.id, prefill.facts);
      if (!answer) break;
      const [next] = transition(loaded.machine, loaded.machine.resolveState({ value, context }), { type: 'ANSWER', nodeId: node.id, optionId: answer.optionId });
      const line = describeFact(answer.fact, prefill.facts[answer.fact]!);
      if (!understood.includes(line)) understood.push(line);
      prefilled = [...prefilled, node.id];
      value = stateName(next.value);
      context = next.context;
    }
    if (understood.length > 0) {
      const correctable = loaded.nodes.get(value)?.type !== 'escalation';
      this.say({
        kind: 'text',
        flowId,
        text: `I understood from your message: ${understood.join(', ')}.${correctable ? ' If that is not right, choose "That\'s not right".' : ''}`,
      });
    }
    this.state = {
      episode: this.state.episode,
      ...problemOf(this.state),
      flow: { id: flowId, hash: loaded.hash, value, context, ...(prefill.facts ? { facts: prefill.facts } : {}), ...(prefilled.length > 0 ? { prefilled } : {}) },
    };
    if (value === CLOSED) {
      this.state = { episode: this.state.episode };
      this.say({ kind: 'text', text: 'Thanks for the feedback! If anything else breaks, just tell me what is wrong.', flowId, nodeId: value });
      return;
    }
    if (value === RESOLVED) {
      this.say({ kind: 'text', text: 'Great, I am glad that fixed it. I have noted it as resolved.', flowId, nodeId: value });
      return this.ask({ loaded, value, context, prefilled });
    }
    const node = loaded.nodes.get(value)!;
    if (node.type === 'escalation') {
      const request: EscalationRequest = {
        reason: node.reason,
        flowId,
        nodeId: node.id,
        urgency: node.urgency,
        ...(node.impact ? { impact: node.impact } : {}),
        trail: trailOf(loaded, context, prefilled),
      };
      return this.escalate(request, affectedFrom(loaded, context, prefill.facts));
    }
    if (node.type === 'remediation') {
      this.say({
        kind: 'remediation',
        text: node.why ? `${node.title}\n${node.why}` : node.title,
        flowId,
        nodeId: node.id,
        steps: node.steps,
        audience: node.who,
      });
    }
    this.ask({ loaded, value, context, facts: prefill.facts, prefilled });
  }

  /** (Re-)asks the open question of a running flow. */
  private ask(running: Running): void {
    const { loaded, value } = running;
    const flowId = loaded.definition.id;
    const options = this.choices(running).map(toOption);
    if (value === RESOLVED) {
      this.say({ kind: 'question', flowId, nodeId: value, text: 'Was this helpful?', options });
      return;
    }
    const node = loaded.nodes.get(value)!;
    if (node.type === 'question') {
      this.say({ kind: 'question', flowId, nodeId: node.id, text: node.help ? `${node.text}\n${node.help}` : node.text, options });
    } else if (node.type === 'remediation') {
      const text = node.who === 'admin' ? `Did "${node.title}" fix it? These steps need an IT admin.` : `Did "${node.title}" fix it?`;
      this.say({ kind: 'question', flowId, nodeId: node.id, text, options });
    }
  }

  /**
   * Starts opening a ticket: the intake asks only what the conversation has not told yet (a
   * one-line summary, since when, who else is affected), then the ticket is opened.
   */
  private escalate(request: EscalationRequest, affected?: Affected): void {
    // This episode's ticket exists already; the engine finds it and says so.
    if (this.state.escalated) return this.openTicket({ request });
    const summary = this.state.problem ?? (request.flowId ? this.deps.catalogue.flows.get(request.flowId)?.definition.title : undefined);
    const told = affected ?? this.state.scope;
    const intake: Intake = { request, ...(summary ? { summary } : {}), ...(told ? { affected: told } : {}) };
    const unknown = intakeQuestions(intake).length;
    if (unknown > 0) {
      this.say({
        kind: 'text',
        text: `I will open a ticket for the support team with everything we covered. ${unknown === 1 ? 'One quick question' : `${unknown} quick questions`} first, so they can help you sooner.`,
      });
    }
    this.continueIntake(intake);
  }

  /** Asks the next intake question, or opens the ticket when nothing is left to ask. */
  private continueIntake(intake: Intake): void {
    const [next] = intakeQuestions(intake);
    if (!next) return this.openTicket(intake);
    this.state = { episode: this.state.episode, intake };
    if (next === INTAKE_SUMMARY) {
      this.say({ kind: 'text', nodeId: INTAKE_SUMMARY, text: 'In one line, what is the problem? For example: "Outlook keeps asking for my password since this morning".' });
    } else if (next === INTAKE_SINCE) {
      this.say({ kind: 'question', nodeId: INTAKE_SINCE, text: 'Since when has this been happening?', options: SINCE_OPTIONS });
    } else {
      this.say({ kind: 'question', nodeId: INTAKE_AFFECTED, text: 'Who else has this problem?', options: AFFECTED_OPTIONS.map(toOption) });
    }
  }

  /** An answer to the open intake question: a button, or typed words. */
  private intakeAnswer(intake: Intake, inbound: Inbound): void {
    const [step] = intakeQuestions(intake);
    if (!step) return this.openTicket(intake);
    if (inbound.kind === 'choice') {
      const options: readonly ReplyOption[] = step === INTAKE_SINCE ? SINCE_OPTIONS : step === INTAKE_AFFECTED ? AFFECTED_OPTIONS : [];
      const chosen = inbound.nodeId === step ? options.find((o) => o.id === inbound.optionId) : undefined;
      if (!chosen) {
        this.say({ kind: 'text', text: inbound.nodeId === step ? 'That is not one of the options for this question.' : 'That button belongs to an earlier question. Here is where we are:' });
        return this.continueIntake(intake);
      }
      this.input = { kind: 'choice', nodeId: step, optionId: chosen.id, label: chosen.label };
      if (step === INTAKE_SINCE) return this.continueIntake({ ...intake, since: chosen.id === 'unsure' ? 'not known' : chosen.label });
      return this.continueIntake({ ...intake, affected: AFFECTED_OPTIONS.find((o) => o.id === chosen.id)!.affected });
    }
    if (inbound.kind !== 'text') return this.continueIntake(intake);
    const text = inbound.text.trim().replace(/\s+/g, ' ').slice(0, MAX_INTAKE_TEXT);
    if (text === '') return this.continueIntake(intake);
    const typed = text.toLowerCase();
    if (step === INTAKE_SUMMARY) return this.continueIntake({ ...intake, summary: text });
    if (step === INTAKE_SINCE) {
      const option = SINCE_OPTIONS.find((o) => o.label.toLowerCase() === typed);
      return this.continueIntake({ ...intake, since: option ? (option.id === 'unsure' ? 'not known' : option.label) : text });
    }
    const affected = AFFECTED_OPTIONS.find((o) => o.label.toLowerCase() === typed)?.affected ?? AFFECTED_WORDS.find(([words]) => words.test(typed))?.[1];
    if (!affected) {
      this.say({ kind: 'text', text: 'Please pick one of the options below.' });
      return this.continueIntake(intake);
    }
    return this.continueIntake({ ...intake, affected });
  }

  private openTicket(intake: Intake): void {
    const { request } = intake;
    this.escalation = {
      ...request,
      ...(intake.summary ? { summary: intake.summary } : {}),
      ...(intake.since ? { since: intake.since } : {}),
      ...(intake.affected ? { affected: intake.affected } : {}),
    };
    this.state = { episode: this.state.episode, escalated: true };
    this.say({ kind: 'escalation', text: '', ticketId: '', flowId: request.flowId, nodeId: request.nodeId });
  }

  private say(reply: Reply): void {
    this.replies.push(reply);
  }
}

const toOption = (c: { id: string; label: string }): ReplyOption => ({ id: c.id, label: c.label });

/** What the user's first message told, carried along until the conversation starts afresh. */
const problemOf = (state: ConversationState): Pick<ConversationState, 'problem' | 'scope'> => ({
  ...(state.problem ? { problem: state.problem } : {}),
  ...(state.scope ? { scope: state.scope } : {}),
});

/**
 * Who else is affected, when the conversation already told: the first message ("only me",
 * "everyone"), or a flow question that a `scope` facts rule maps (its answer read backwards).
 */
function affectedFrom(loaded: LoadedFlow, context: FlowContext, facts: Facts | undefined): Affected | undefined {
  const scope = (value: string | undefined): Affected | undefined => (value === 'me' || value === 'many' ? value : undefined);
  const fromMessage = scope(facts?.scope);
  if (fromMessage) return fromMessage;
  for (const rule of loaded.definition.facts) {
    if (rule.fact !== 'scope') continue;
    const step = context.trail.find((s) => s.nodeId === rule.question);
    const values = step ? rule.answers[step.optionId] : undefined;
    const found = values?.map(scope).find((v) => v !== undefined);
    if (found) return found;
  }
  return undefined;
}

/** The intake questions still open, in the order they are asked. */
function intakeQuestions(intake: Intake): string[] {
  const open: string[] = [];
  if (intake.summary === undefined) open.push(INTAKE_SUMMARY);
  if (intake.since === undefined) open.push(INTAKE_SINCE);
  if (intake.affected === undefined) open.push(INTAKE_AFFECTED);
  return open;
}

const nonEmpty = (facts: Facts | undefined): Facts | undefined => (facts && Object.keys(facts).length > 0 ? facts : undefined);

/** The question-and-answer trail of a flow, as support staff read it; answers taken from the first message say so. */
export function trailOf(loaded: LoadedFlow, context: FlowContext, prefilled: readonly string[] = []): TrailItem[] {
  const items: TrailItem[] = [];
  for (const step of context.trail) {
    const node = loaded.nodes.get(step.nodeId);
    if (!node) continue;
    if (node.type === 'question') {
      const answer = node.options.find((o) => o.id === step.optionId)?.label ?? step.optionId;
      items.push({ kind: 'question', nodeId: node.id, question: node.text, answer, ...(prefilled.includes(node.id) ? { source: 'first-message' as const } : {}) });
    } else if (node.type === 'remediation') {
      items.push({ kind: 'remediation', nodeId: node.id, title: node.title, audience: node.who, outcome: step.optionId === FIXED ? 'fixed' : 'not fixed' });
    }
  }
  return items;
}
