/**
 * Test helpers for the Slack channel: Slack's v0 request signatures, event and interaction
 * payloads, and a fake Web API (nock) that records every call and answers like Slack does.
 */
import { createHmac } from 'node:crypto';
import nock from 'nock';
import { conversationKey } from '../../../src/bot/messages';
import type { Storage, Ticket } from '../../../src/bot/ports';

export const SIGNING_SECRET = 'test-signing-secret';
export const BOT_TOKEN = 'xoxb-test-token';
export const BOT = { botUserId: 'UBOT', botId: 'BBOT' } as const;

export function slackEnv(apiUrl: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: apiUrl, ...extra };
}

/** Slack's v0 signature: HMAC-SHA256 over `v0:<timestamp>:<raw body>` with the signing secret. */
export function sign(body: string, timestamp = Math.floor(Date.now() / 1000), secret = SIGNING_SECRET): Record<string, string> {
  const signature = `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return { 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': signature };
}

export interface SlackPost {
  readonly body: string;
  readonly contentType?: string;
  readonly headers?: Record<string, string>;
  /** Default: signed correctly now. */
  readonly signed?: boolean;
}

export async function postToSlackEndpoint(base: string, { body, contentType = 'application/json', headers, signed = true }: SlackPost): Promise<{ status: number; text: string }> {
  const res = await fetch(`${base}/slack/events`, {
    method: 'POST',
    headers: { 'content-type': contentType, ...(signed ? sign(body) : {}), ...headers },
    body,
  });
  return { status: res.status, text: await res.text() };
}

let eventCounter = 0;
export const newEventId = () => `Ev${Date.now().toString(36).toUpperCase()}${(++eventCounter).toString().padStart(4, '0')}`;
let tsCounter = 0;
export const newTs = () => `${Math.floor(Date.now() / 1000)}.${String(++tsCounter).padStart(6, '0')}`;

/** An Events API envelope around one event. */
export function eventEnvelope(event: Record<string, unknown>, eventId = newEventId()): string {
  return JSON.stringify({
    token: 'legacy-verification-token',
    team_id: 'T1',
    api_app_id: 'A1',
    event,
    type: 'event_callback',
    event_id: eventId,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ enterprise_id: null, team_id: 'T1', user_id: BOT.botUserId, is_bot: true, is_enterprise_install: false }],
    is_ext_shared_channel: false,
  });
}

export function dmEvent(text: string, opts: { user?: string; channel?: string; ts?: string; extra?: Record<string, unknown> } = {}): Record<string, unknown> {
  const ts = opts.ts ?? newTs();
  return { type: 'message', channel: opts.channel ?? 'D1', channel_type: 'im', user: opts.user ?? 'U1', text, ts, event_ts: ts, team: 'T1', ...opts.extra };
}

export function mentionEvent(text: string, opts: { user?: string; channel?: string; ts?: string; threadTs?: string } = {}): Record<string, unknown> {
  const ts = opts.ts ?? newTs();
  return { type: 'app_mention', channel: opts.channel ?? 'C1', user: opts.user ?? 'U1', text, ts, event_ts: ts, team: 'T1', ...(opts.threadTs ? { thread_ts: opts.threadTs } : {}) };
}

/** An interactivity request: form-encoded `payload=<JSON>`, as Slack sends it. */
export function interaction(payload: Record<string, unknown>): SlackPost {
  return { body: `payload=${encodeURIComponent(JSON.stringify(payload))}`, contentType: 'application/x-www-form-urlencoded' };
}

/** A block_actions payload for clicking a button (by label or option id) of a message the bot posted. */
export function clickPayload(message: PostedMessage, button: string, opts: { user?: string; channel?: string } = {}): Record<string, unknown> {
  const actions = message.blocks.find((b: any) => b.type === 'actions');
  const element = actions?.elements.find((e: any) => e.text.text === button || JSON.parse(e.value).o === button);
  if (!element) throw new Error(`no button "${button}" in ${JSON.stringify(message.blocks)}`);
  const action = { type: 'button', action_id: element.action_id, block_id: actions.block_id, text: element.text, value: element.value, action_ts: `${Date.now() / 1000}` };
  return blockActions(message, action, { user: opts.user ?? 'U1', username: 'pat', channel: opts.channel ?? message.channel, channelName: 'directmessage' });
}

/** The block_actions payload Slack sends when someone uses an element of a message the bot posted. */
function blockActions(
  message: PostedMessage,
  action: Record<string, unknown>,
  who: { user: string; username: string; channel: string; channelName: string },
): Record<string, unknown> {
  return {
    type: 'block_actions',
    user: { id: who.user, username: who.username, team_id: 'T1' },
    api_app_id: 'A1',
    token: 'legacy-verification-token',
    container: { type: 'message', message_ts: message.ts, channel_id: who.channel, is_ephemeral: false },
    trigger_id: '1.2.abc',
    team: { id: 'T1', domain: 'example' },
    channel: { id: who.channel, name: who.channelName },
    message: { type: 'message', user: BOT.botUserId, bot_id: BOT.botId, ts: message.ts, text: message.text, blocks: message.blocks, ...(message.thread_ts ? { thread_ts: message.thread_ts } : {}) },
    response_url: 'https://hooks.slack.com/actions/T1/1/abc',
    actions: [action],
  };
}

export interface PostedMessage {
  readonly channel: string;
  readonly thread_ts?: string;
  readonly text: string;
  readonly blocks: any[];
  readonly ts: string;
}

export interface ApiCall {
  readonly method: string;
  readonly at: number;
  readonly authorization?: string;
  readonly params: Record<string, any>;
  readonly status: number;
  readonly response: Record<string, any>;
}

type Answer = [status: number, body: Record<string, unknown>, headers?: Record<string, string>];

/**
 * A fake Slack Web API at `apiUrl` (https://slack.com/api/ or a loopback stand-in). Every call is
 * recorded; answers are Slack-like defaults unless a test queued its own.
 */
export class FakeSlackApi {
  readonly calls: ApiCall[] = [];
  private readonly queued = new Map<string, { answer: Answer | undefined; delayMs: number; match?: (params: Record<string, any>) => boolean }[]>();
  /** Display names users.info answers with (others: user_not_found). */
  readonly users = new Map<string, string>();
  /** Threads conversations.replies answers with, by `<channel>/<parent ts>`: parent first. */
  readonly threads = new Map<string, Record<string, unknown>[]>();
  private readonly origin: string;
  private readonly prefix: string;

  constructor(apiUrl: string) {
    const url = new URL(apiUrl);
    this.origin = url.origin;
    this.prefix = url.pathname;
    const escaped = this.prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const fake = this;
    nock(this.origin)
      .persist()
      .post(new RegExp(`^${escaped}[a-zA-Z.]+$`))
      .reply(function (uri, body, callback) {
        const auth = this.req.headers.authorization;
        const [answer, delayMs] = fake.answer(uri, body, Array.isArray(auth) ? auth[0] : auth);
        const [status, json, headers] = answer;
        setTimeout(() => callback(null, headers ? [status, json, headers] : [status, json]), delayMs);
      });
  }

  private answer(uri: string, body: unknown, authorization: string | undefined): [Answer, number] {
    const method = uri.slice(this.prefix.length);
    const params = parseForm(body);
    const waiting = this.queued.get(method) ?? [];
    const index = waiting.findIndex((q) => !q.match || q.match(params));
    const queued = index >= 0 ? waiting.splice(index, 1)[0] : undefined;
    const next = queued?.answer ?? this.defaultAnswer(method, params);
    this.calls.push({ method, at: Date.now(), authorization, params, status: next[0], response: next[1] });
    return [next, queued?.delayMs ?? 0];
  }

  private defaultAnswer(method: string, params: Record<string, any>): Answer {
    switch (method) {
      case 'auth.test':
        return [200, { ok: true, url: 'https://example.slack.com/', team: 'Example', user: 'helpdesk', team_id: 'T1', user_id: BOT.botUserId, bot_id: BOT.botId }];
      case 'chat.postMessage':
        return [200, { ok: true, channel: params.channel, ts: newTs(), message: { text: params.text } }];
      case 'chat.update':
        return [200, { ok: true, channel: params.channel, ts: params.ts, text: params.text }];
      case 'conversations.open':
        return [200, { ok: true, channel: { id: 'D_OPENED' } }];
      case 'views.publish':
        return [200, { ok: true, view: { id: 'V1' } }];
      case 'chat.postEphemeral':
        return [200, { ok: true, message_ts: newTs() }];
      case 'users.info': {
        const name = this.users.get(params.user);
        return name ? [200, { ok: true, user: { id: params.user, name: name.toLowerCase().replace(/ /g, '.'), profile: { display_name: name, real_name: name } } }] : [200, { ok: false, error: 'user_not_found' }];
      }
      case 'conversations.replies': {
        const thread = this.threads.get(`${params.channel}/${params.ts}`) ?? [...this.threads.values()].find((t) => t.some((m) => m.ts === params.ts))?.filter((m) => m.ts === params.ts);
        if (!thread) return [200, { ok: false, error: 'thread_not_found' }];
        return [200, { ok: true, messages: thread.slice(0, Number(params.limit ?? thread.length)), has_more: false }];
      }
      default:
        return [200, { ok: false, error: 'unknown_method' }];
    }
  }

  /** The next calls of `method` get these answers instead of the default. */
  queue(method: string, ...answers: Answer[]): void {
    this.queued.set(method, [...(this.queued.get(method) ?? []), ...answers.map((answer) => ({ answer, delayMs: 0 }))]);
  }

  /** The next calls of `method` whose parameters pass `match` get these answers instead of the default. */
  queueWhere(method: string, match: (params: Record<string, any>) => boolean, ...answers: Answer[]): void {
    this.queued.set(method, [...(this.queued.get(method) ?? []), ...answers.map((answer) => ({ answer, delayMs: 0, match }))]);
  }

  /** The next call of `method` gets the default answer, but only after `delayMs`. */
  slowDown(method: string, delayMs: number): void {
    this.queued.set(method, [...(this.queued.get(method) ?? []), { answer: undefined, delayMs }]);
  }

  of(method: string): ApiCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** The messages Slack accepted so far, with the ts the fake gave them (in order). */
  posted(): PostedMessage[] {
    return this.of('chat.postMessage')
      .filter((c) => c.status === 200 && c.response.ok === true)
      .map((c) => ({ channel: c.params.channel, thread_ts: c.params.thread_ts, text: c.params.text, blocks: c.params.blocks ?? [], ts: c.response.ts }));
  }
}

/** The WebClient posts form-encoded bodies; blocks and views arrive as JSON strings inside. */
function parseForm(body: unknown): Record<string, any> {
  const raw: Record<string, any> = typeof body === 'string' ? Object.fromEntries(new URLSearchParams(body)) : { ...(body as Record<string, unknown>) };
  for (const key of ['blocks', 'view']) if (typeof raw[key] === 'string') raw[key] = JSON.parse(raw[key]);
  return raw;
}


/** The messages the bot posted in a place: a DM, a channel's top level, or a thread. */
export const postedIn = (api: FakeSlackApi, channel: string, threadTs?: string): PostedMessage[] => api.posted().filter((m) => m.channel === channel && m.thread_ts === threadTs);

/**
 * A requester asks for a person in a DM and answers whatever intake the bot asks first (questions:
 * the first option; a text prompt: a sentence), until their ticket exists.
 */
export async function escalateInDm(running: { base: string; app: { storage: Storage } }, api: FakeSlackApi, user = 'U1', dm = 'D1'): Promise<Ticket> {
  const { storage } = running.app;
  const send = async (post: SlackPost) => {
    const res = await postToSlackEndpoint(running.base, post);
    if (res.status !== 200) throw new Error(`the Slack endpoint answered ${res.status}: ${res.text}`);
  };
  const key = conversationKey({ channel: 'slack', conversationId: dm, user: { id: user } });
  const answered = new Set<string>();
  await send({ body: eventEnvelope(dmEvent('talk to someone', { user, channel: dm })) });
  let ticket: Ticket | undefined;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    ticket = (await storage.listTickets({ requesterId: user }))[0];
    if (ticket) return ticket;
    const transcript = await storage.readTranscript(key);
    const last = transcript[transcript.length - 1];
    const reply = last?.actor === 'bot' ? last.reply : undefined;
    if (reply?.nodeId?.startsWith('intake.') && !answered.has(reply.nodeId)) {
      if (reply.kind === 'question') {
        const message = postedIn(api, dm).find((m) => m.blocks.some((b) => b.type === 'actions' && b.elements.some((e: any) => JSON.parse(e.value).n === reply.nodeId)));
        if (message) {
          answered.add(reply.nodeId);
          await send(interaction(clickPayload(message, reply.options[0]!.id, { user })));
        }
      } else {
        answered.add(reply.nodeId);
        await send({ body: eventEnvelope(dmEvent('Outlook shows a password prompt again and again since this morning', { user, channel: dm })) });
      }
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no ticket for ${user}: ${JSON.stringify(await storage.readTranscript(key))}`);
}

/** A click on a ticket card's button (assign, resolve, reopen) by a member of staff. */
export function cardClick(card: PostedMessage, action: 'assign' | 'resolve' | 'reopen', opts: { user?: string; channel?: string } = {}): SlackPost {
  const block = card.blocks.find((b) => b.type === 'actions');
  const element = block?.elements.find((e: any) => e.action_id === `ticket.${action}`);
  if (!element) throw new Error(`no ${action} button on ${JSON.stringify(card.blocks)}`);
  return staffAction(card, { type: 'button', action_id: element.action_id, block_id: block.block_id, text: element.text, value: element.value }, opts);
}

/** A block_actions request for an action on a ticket card (default: by S1 in the card's channel). */
export function staffAction(card: PostedMessage, action: Record<string, unknown>, opts: { user?: string; channel?: string } = {}): SlackPost {
  const stamped = { ...action, action_ts: `${Date.now() / 1000}${Math.random().toString().slice(2, 6)}` };
  return interaction(blockActions(card, stamped, { user: opts.user ?? 'S1', username: 'sam', channel: opts.channel ?? card.channel, channelName: 'support' }));
}

/** A person's reply in a channel thread (message.channels). */
export const threadReply = (channel: string, threadTs: string, user: string, text: string) => ({
  type: 'message',
  channel,
  channel_type: 'channel',
  user,
  text,
  ts: newTs(),
  thread_ts: threadTs,
  event_ts: newTs(),
  team: 'T1',
});

/** Polls until `check` passes (processing runs after the ack, so tests wait for its effects). */
export async function waitFor(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
