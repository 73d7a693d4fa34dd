/**
 * Block Kit rendering of the channel-neutral replies (pure: no Slack calls). Every message gets a
 * plain `text` fallback for notifications and screen readers. All text is escaped (& < >) before
 * our own formatting is added, so neither a user nor a flow can ping `<!channel>` or inject links.
 */
import type { types } from '@slack/bolt';
import { z } from 'zod';
import type { Reply, ReplyOption } from '../../bot/messages';
import type { Ticket } from '../../bot/ports';
import { escapeSlack } from './ticket-card';

export { escapeSlack };

type KnownBlock = types.KnownBlock;
type Button = types.Button;

export interface SlackMessage {
  readonly text: string;
  readonly blocks: KnownBlock[];
}

/** action_id prefix of the answer buttons; the value carries the node, the option and the thread. */
export const CHOICE_ACTION_PREFIX = 'triage.choice:';
export const CHOICE_ACTION = /^triage\.choice:/;
/** The App Home button that opens (or continues) a triage in the user's DM. */
export const START_TRIAGE_ACTION = 'home.start-triage';

// Block Kit limits (docs.slack.dev/reference/block-kit): exceeding one makes Slack refuse the message.
const SECTION_TEXT_MAX = 3000;
const BUTTON_TEXT_MAX = 75;
const BUTTONS_PER_ACTIONS_BLOCK = 25;
const ID_MAX = 255;
const VALUE_MAX = 2000;
const HOME_TICKETS_MAX = 20;

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** Undoes Slack's entity escaping (the inverse of escapeSlack). */
export const unescapeSlack = (text: string) => text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** Escapes text that may or may not be escaped already (labels Slack echoes back in payloads). */
const reescape = (text: string) => escapeSlack(unescapeSlack(text));

/**
 * Escaped text with `backtick` spans kept as inline code (remediation steps mark commands, paths
 * and settings that way). An unpaired backtick stays a literal character.
 */
export function mrkdwnWithCode(text: string): string {
  const parts = text.split('`');
  if (parts.length % 2 === 0) {
    // Odd number of backticks: the last one has no partner, keep it as text.
    const last = parts.pop() ?? '';
    parts[parts.length - 1] = `${parts[parts.length - 1] ?? ''}\`${last}`;
  }
  return parts.map((part, i) => (i % 2 === 1 && part.length > 0 ? `\`${escapeSlack(part)}\`` : escapeSlack(part))).join('');
}

/** Splits long text into section blocks within Slack's per-section limit, on line breaks where possible. */
function sections(mrkdwn: string): KnownBlock[] {
  const blocks: KnownBlock[] = [];
  let rest = mrkdwn;
  while (rest.length > SECTION_TEXT_MAX) {
    const cut = rest.lastIndexOf('\n', SECTION_TEXT_MAX);
    const at = cut > SECTION_TEXT_MAX / 2 ? cut : SECTION_TEXT_MAX;
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: rest.slice(0, at) } });
    rest = rest.slice(at).replace(/^\n/, '');
  }
  if (rest.length > 0) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: rest } });
  return blocks;
}

/** What an answer button carries: the question, the option, and the channel thread it belongs to. */
export interface ChoiceValue {
  readonly nodeId: string;
  readonly optionId: string;
  /** Thread root ts for a conversation in a channel thread; absent in a DM. */
  readonly threadId?: string;
}

const ChoiceValueSchema = z.strictObject({
  n: z.string().min(1).max(ID_MAX),
  o: z.string().min(1).max(ID_MAX),
  t: z.string().min(1).max(64).optional(),
});

export function encodeChoice(choice: ChoiceValue): string {
  const value = JSON.stringify({ n: choice.nodeId, o: choice.optionId, ...(choice.threadId ? { t: choice.threadId } : {}) });
  if (value.length > VALUE_MAX) throw new Error(`button value for ${choice.nodeId}/${choice.optionId} exceeds ${VALUE_MAX} characters`);
  return value;
}

/** Parses a button value; undefined for anything this adapter did not write. */
export function decodeChoice(value: string | undefined): ChoiceValue | undefined {
  if (!value) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(value);
  } catch {
    return undefined;
  }
  const parsed = ChoiceValueSchema.safeParse(raw);
  if (!parsed.success) return undefined;
  const { n, o, t } = parsed.data;
  return { nodeId: n, optionId: o, ...(t ? { threadId: t } : {}) };
}

function answerButtons(nodeId: string, options: readonly ReplyOption[], threadId: string | undefined): KnownBlock[] {
  const buttons: Button[] = options.map((option, i) => ({
    type: 'button',
    // The index keeps action_ids unique within the block even if a long id had to be clipped.
    action_id: clip(`${CHOICE_ACTION_PREFIX}${i}:${option.id}`, ID_MAX),
    text: { type: 'plain_text', text: clip(escapeSlack(option.label), BUTTON_TEXT_MAX), emoji: true },
    value: encodeChoice({ nodeId, optionId: option.id, ...(threadId ? { threadId } : {}) }),
  }));
  const blocks: KnownBlock[] = [];
  for (let i = 0; i < buttons.length; i += BUTTONS_PER_ACTIONS_BLOCK) {
    const part = i / BUTTONS_PER_ACTIONS_BLOCK;
    blocks.push({
      type: 'actions',
      block_id: clip(`triage.q${part}:${nodeId}`, ID_MAX),
      elements: buttons.slice(i, i + BUTTONS_PER_ACTIONS_BLOCK),
    });
  }
  return blocks;
}

/** One Slack message for one reply. `threadId` is the conversation's thread root (channel threads only). */
export function renderReply(reply: Reply, threadId?: string): SlackMessage {
  switch (reply.kind) {
    case 'text': {
      const text = escapeSlack(reply.text);
      return { text, blocks: sections(text) };
    }
    case 'question': {
      const question = escapeSlack(reply.text);
      const optionList = reply.options.map((o) => `• ${escapeSlack(o.label)}`).join('\n');
      return {
        text: `${question}\n${optionList}`,
        blocks: [...sections(question), ...answerButtons(reply.nodeId, reply.options, threadId)],
      };
    }
    case 'remediation': {
      const [title = '', ...why] = reply.text.split('\n');
      const heading = `*${escapeSlack(title)}*${why.length ? `\n${escapeSlack(why.join('\n'))}` : ''}`;
      const steps = reply.steps.map((step, i) => `${i + 1}. ${mrkdwnWithCode(step)}`).join('\n');
      const who = reply.audience === 'admin' ? 'These steps need an IT admin.' : 'You can do these steps yourself.';
      return {
        text: `${escapeSlack(title)}\n${reply.steps.map((s, i) => `${i + 1}. ${escapeSlack(s)}`).join('\n')}\n${who}`,
        blocks: [
          ...sections(heading),
          ...sections(steps),
          { type: 'context', elements: [{ type: 'mrkdwn', text: reply.audience === 'admin' ? `:hammer_and_wrench: ${who}` : `:bust_in_silhouette: ${who}` }] },
        ],
      };
    }
    case 'escalation': {
      const text = escapeSlack(reply.text);
      const ticket = escapeSlack(reply.ticketId);
      return {
        text: text.includes(ticket) ? text : `${text} (ticket ${ticket})`,
        blocks: [...sections(text), { type: 'section', fields: [{ type: 'mrkdwn', text: `*Ticket*\n${ticket}` }] }],
      };
    }
  }
}

/** A block as Slack echoes it back in an interaction payload (we only look at a few fields). */
export interface EchoedBlock {
  readonly type: string;
  readonly block_id?: string;
  readonly text?: { readonly type?: string; readonly text?: string };
  readonly [key: string]: unknown;
}

/**
 * The clicked question message after the click: the same blocks, with the answer buttons replaced
 * by the chosen answer, so the old buttons cannot be pressed again. One message holds one reply,
 * so it holds at most one question.
 */
export function answeredQuestion(blocks: readonly EchoedBlock[], label: string): SlackMessage {
  const answer = reescape(label);
  const isButtons = (b: EchoedBlock) => b.type === 'actions' && (b.block_id ?? '').startsWith('triage.q');
  const questionText = blocks
    .map((b) => (b.type === 'section' && typeof b.text?.text === 'string' ? b.text.text : ''))
    .filter((t) => t.length > 0)
    .join('\n');
  const out: KnownBlock[] = [];
  let answered = false;
  for (const block of blocks) {
    if (!isButtons(block)) {
      // Blocks we sent, echoed back by Slack in a signed request.
      out.push(block as unknown as KnownBlock);
    } else if (!answered) {
      out.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `:white_check_mark: *Your answer:* ${answer}` }] });
      answered = true;
    }
  }
  return { text: `${questionText}\nYour answer: ${answer}`, blocks: out };
}

/** The App Home tab: a way into triage and the user's open tickets. */
export function homeView(tickets: readonly Ticket[]): types.HomeView {
  const open = tickets.filter((t) => t.status !== 'resolved').sort((a, b) => b.number - a.number);
  const lines = open
    .slice(0, HOME_TICKETS_MAX)
    .map((t) => `• *${escapeSlack(t.id)}* (${t.status}, opened ${t.createdAt.slice(0, 10)}): ${escapeSlack(clip(t.summary ?? t.reason, 200))}`);
  if (open.length > HOME_TICKETS_MAX) lines.push(`…and ${open.length - HOME_TICKETS_MAX} older.`);
  return {
    type: 'home',
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: 'IT helpdesk', emoji: true } },
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: 'Tell me what is wrong in your own words and I will walk you through the fix, or open a ticket for the support team. You can also message me in the Messages tab, or @mention me in a channel.',
        },
      },
      {
        type: 'actions',
        block_id: 'home',
        elements: [{ type: 'button', action_id: START_TRIAGE_ACTION, style: 'primary', text: { type: 'plain_text', text: 'Start triage', emoji: true }, value: 'start' }],
      },
      { type: 'divider' },
      ...sections(open.length ? `*Your open tickets*\n${lines.join('\n')}` : '*Your open tickets*\nYou have no open tickets.'),
    ],
  };
}
