/**
 * Rendering of the channel-neutral replies for Teams: questions, remediations and escalations
 * become Adaptive Cards (schema 1.5), plain text stays a text message. Pure functions: no
 * botbuilder import, so they are easy to test and to move to another Teams SDK.
 */
import type { Reply, ReplyOption } from '../../bot/messages';

export const ADAPTIVE_CARD = 'application/vnd.microsoft.card.adaptive';
const SCHEMA = 'http://adaptivecards.io/schemas/adaptive-card.json';

type Element = Record<string, unknown>;

export interface AdaptiveCard {
  readonly type: 'AdaptiveCard';
  readonly $schema: string;
  readonly version: '1.5';
  /** Shown by clients that cannot render the card (and read by screen readers in notifications). */
  readonly fallbackText: string;
  readonly body: Element[];
  readonly actions?: Element[];
}

/** The message activity fields a reply becomes; the adapter adds addressing. */
export interface TeamsMessage {
  readonly type: 'message';
  readonly text?: string;
  readonly textFormat?: 'plain';
  /** Notification preview for card messages. */
  readonly summary?: string;
  readonly attachments?: { readonly contentType: typeof ADAPTIVE_CARD; readonly content: AdaptiveCard }[];
}

/** What a choice button submits (Action.Submit `data`, echoed back as the activity's `value`). */
export interface ChoiceSubmit {
  readonly nodeId: string;
  readonly optionId: string;
}

export const USER_AUDIENCE = 'You can do this yourself';
export const ADMIN_AUDIENCE = 'Your IT admin needs to do this';

const text = (value: string, extra: Element = {}): Element => ({ type: 'TextBlock', text: value, wrap: true, ...extra });

function card(fallbackText: string, body: Element[], actions?: Element[]): AdaptiveCard {
  return { type: 'AdaptiveCard', $schema: SCHEMA, version: '1.5', fallbackText, body, ...(actions && actions.length > 0 ? { actions } : {}) };
}

function cardMessage(content: AdaptiveCard): TeamsMessage {
  return { type: 'message', summary: content.fallbackText.split('\n')[0], attachments: [{ contentType: ADAPTIVE_CARD, content }] };
}

/** The first line of a reply's text is its heading; the rest explains. */
function headed(value: string, extra: Element[] = []): Element[] {
  const [first = '', ...rest] = value.split('\n');
  const blocks = [text(first, { weight: 'Bolder', size: 'Medium' })];
  if (rest.length > 0) blocks.push(text(rest.join('\n'), { isSubtle: true, spacing: 'Small' }));
  return [...blocks, ...extra];
}

export function questionCard(reply: { readonly text: string; readonly nodeId: string; readonly options: readonly ReplyOption[] }): AdaptiveCard {
  const fallback = `${reply.text}\n${reply.options.map((o, i) => `${i + 1}. ${o.label}`).join('\n')}`;
  const actions = reply.options.map(
    (o): Element => ({ type: 'Action.Submit', title: o.label, data: { nodeId: reply.nodeId, optionId: o.id } satisfies ChoiceSubmit }),
  );
  return card(fallback, headed(reply.text), actions);
}

/** The card of an answered question, as it is updated in place: the question and the answer, no buttons. */
export function answeredCard(question: string, answer: string): AdaptiveCard {
  return card(`${question}\nYour answer: ${answer}`, [
    ...headed(question),
    { type: 'FactSet', facts: [{ title: 'Your answer', value: answer }], spacing: 'Medium' },
  ]);
}

/**
 * A step's text as RichTextBlock runs: `backtick` spans (commands, paths, settings) become
 * monospace runs, so they read as something to type exactly.
 */
export function stepRuns(step: string): Element[] {
  const runs: Element[] = [];
  const parts = step.split('`');
  // An unmatched backtick leaves an odd part out: it is shown as a literal backtick instead.
  const closed = parts.length % 2 === 1;
  parts.forEach((part, i) => {
    if (part === '') return;
    const code = i % 2 === 1 && (closed || i < parts.length - 1);
    if (code) runs.push({ type: 'TextRun', text: part, fontType: 'Monospace', highlight: true });
    else runs.push({ type: 'TextRun', text: i % 2 === 1 ? `\`${part}` : part });
  });
  return runs;
}

export function remediationCard(reply: { readonly text: string; readonly steps: readonly string[]; readonly audience: 'user' | 'admin' }): AdaptiveCard {
  const audience = reply.audience === 'admin' ? ADMIN_AUDIENCE : USER_AUDIENCE;
  const steps = reply.steps.map(
    (step, i): Element => ({
      type: 'ColumnSet',
      spacing: 'Small',
      columns: [
        { type: 'Column', width: 'auto', items: [text(`${i + 1}.`, { weight: 'Bolder' })] },
        { type: 'Column', width: 'stretch', items: [{ type: 'RichTextBlock', inlines: stepRuns(step) }] },
      ],
    }),
  );
  const fallback = [reply.text, audience, ...reply.steps.map((s, i) => `${i + 1}. ${s}`)].join('\n');
  return card(
    fallback,
    headed(reply.text, [text(audience, { weight: 'Bolder', color: reply.audience === 'admin' ? 'Attention' : 'Good', spacing: 'Medium' }), ...steps]),
  );
}

export function escalationCard(reply: { readonly text: string; readonly ticketId: string }): AdaptiveCard {
  return card(`Ticket ${reply.ticketId}: ${reply.text}`, [
    text('Ticket opened', { weight: 'Bolder', size: 'Medium' }),
    { type: 'FactSet', facts: [{ title: 'Ticket', value: reply.ticketId }] },
    text(reply.text, { spacing: 'Medium' }),
  ]);
}

/** One reply as a Teams message. */
export function renderReply(reply: Reply): TeamsMessage {
  switch (reply.kind) {
    case 'text':
      return { type: 'message', text: reply.text, textFormat: 'plain' };
    case 'question':
      return cardMessage(questionCard(reply));
    case 'remediation':
      return cardMessage(remediationCard(reply));
    case 'escalation':
      return cardMessage(escalationCard(reply));
  }
}

export const WELCOME_TITLE = "Hi, I'm the IT helpdesk bot";

/**
 * The welcome when the bot is installed or added: the engine's help text and topic menu as one
 * card, so the first thing a user sees is a single tidy message with the topics to pick from.
 */
export function welcomeMessages(replies: readonly Reply[]): TeamsMessage[] {
  const [intro, menu, ...rest] = replies;
  if (intro?.kind !== 'text' || menu?.kind !== 'question' || rest.length > 0) return replies.map(renderReply);
  const question = questionCard(menu);
  const [first, ...others] = question.body;
  const content: AdaptiveCard = {
    ...question,
    fallbackText: `${WELCOME_TITLE}\n${intro.text}\n${question.fallbackText}`,
    body: [text(WELCOME_TITLE, { weight: 'Bolder', size: 'Large' }), text(intro.text), ...(first ? [{ ...first, spacing: 'Large' }] : []), ...others],
  };
  return [cardMessage(content)];
}

/** Reads a choice button's submit value; anything else (another card's data, a forgery) is undefined. */
export function parseChoiceSubmit(value: unknown): ChoiceSubmit | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const ok = (s: unknown): s is string => typeof s === 'string' && s.length > 0 && s.length <= 200;
  return ok(v.nodeId) && ok(v.optionId) ? { nodeId: v.nodeId, optionId: v.optionId } : undefined;
}
