/**
 * Test doubles at the network edge for the Teams channel: activities as Teams sends them, a fake
 * Bot Connector service (nock on the conversation's serviceUrl) that records every call, and a
 * Bot Framework token signer with its OpenID metadata and keys published through nock.
 */
import { createSign, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import nock from 'nock';

export const SERVICE_URL = 'https://smba.trafficmanager.net/amer/';
export const BOT = { id: '28:bot-id', name: 'Helpdesk' };
export const USER = { id: '29:user-1', name: 'Pat Example', aadObjectId: '6f1c0c1e-0000-4000-8000-000000000001' };
export const CHANNEL = '19:support-chan@thread.tacv2';

let counter = 0;
export const newActivityId = () => `1700000000${String(++counter).padStart(3, '0')}`;

type Json = Record<string, any>;

export function personalMessage(text: string, conversationId = 'a:personal-1', extra: Json = {}): Json {
  return {
    type: 'message',
    id: newActivityId(),
    text,
    channelId: 'msteams',
    serviceUrl: SERVICE_URL,
    from: USER,
    recipient: BOT,
    conversation: { id: conversationId, conversationType: 'personal', tenantId: 'tenant-1' },
    channelData: { tenant: { id: 'tenant-1' } },
    ...extra,
  };
}

/** What Teams sends when a card's Action.Submit button is clicked. */
export function submit(value: unknown, replyToId: string, conversationId = 'a:personal-1', conversationType = 'personal'): Json {
  return {
    ...personalMessage('', conversationId),
    text: undefined,
    value,
    replyToId,
    conversation: { id: conversationId, conversationType, tenantId: 'tenant-1' },
  };
}

/** A channel post (or a reply in its thread) that @mentions the bot. */
export function channelMention(text: string, threadRoot: string): Json {
  const mention = `<at>${BOT.name}</at>`;
  return {
    ...personalMessage(`${mention} ${text}`),
    conversation: { id: `${CHANNEL};messageid=${threadRoot}`, conversationType: 'channel', isGroup: true, tenantId: 'tenant-1' },
    entities: [{ type: 'mention', mentioned: BOT, text: mention }],
    channelData: { teamsChannelId: CHANNEL, teamsTeamId: '19:team@thread.tacv2', channel: { id: CHANNEL }, team: { id: '19:team@thread.tacv2' }, tenant: { id: 'tenant-1' } },
  };
}

export function botAdded(conversationId = 'a:personal-1'): Json {
  return {
    type: 'conversationUpdate',
    id: `f:${newActivityId()}`,
    channelId: 'msteams',
    serviceUrl: SERVICE_URL,
    from: USER,
    recipient: BOT,
    conversation: { id: conversationId, conversationType: 'personal', tenantId: 'tenant-1' },
    membersAdded: [{ id: BOT.id }],
    channelData: { tenant: { id: 'tenant-1' } },
  };
}

export async function postActivity(base: string, activity: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const res = await fetch(`${base}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof activity === 'string' ? activity : JSON.stringify(activity),
  });
  return { status: res.status, body: await res.text() };
}

export interface ConnectorCall {
  readonly method: 'POST' | 'PUT';
  readonly conversationId: string;
  /** POST: the activity replied to; PUT: the activity updated. */
  readonly activityId: string | undefined;
  readonly body: Json;
  readonly authorization: string | undefined;
  /** The id the fake service gave the posted activity. */
  readonly postedId: string;
  readonly status: number;
}

/**
 * The Bot Connector service behind SERVICE_URL: answers every send and update, records it, and
 * fails the next calls on demand (e.g. 429 with Retry-After) to exercise the retries.
 */
export class FakeConnector {
  readonly calls: ConnectorCall[] = [];
  private readonly failures: { status: number; headers: Record<string, string>; conversationId?: string }[] = [];
  private n = 0;

  constructor(serviceUrl = SERVICE_URL) {
    const url = new URL(serviceUrl);
    const prefix = url.pathname.replace(/\/$/, '');
    const path = new RegExp(`^${prefix}/v3/conversations/([^/]+)/activities(?:/([^/?]+))?$`);
    const record = (method: 'POST' | 'PUT') =>
      function (this: nock.ReplyFnContext, uri: string, body: nock.Body): nock.ReplyFnResult {
        const [, conversation = '', activity] = path.exec(uri.split('?')[0]!) ?? [];
        // Failures hit replies and updates; typing indicators pass.
        const target = decodeURIComponent(conversation);
        const at = (body as Json).type === 'typing' ? -1 : self.failures.findIndex((f) => f.conversationId === undefined || f.conversationId === target);
        const failure = at < 0 ? undefined : self.failures.splice(at, 1)[0];
        const postedId = method === 'PUT' ? decodeURIComponent(activity ?? '') : `bot-activity-${++self.n}`;
        const auth = this.req.headers.authorization;
        self.calls.push({
          method,
          conversationId: decodeURIComponent(conversation),
          activityId: activity === undefined ? undefined : decodeURIComponent(activity),
          body: body as Json,
          authorization: Array.isArray(auth) ? auth[0] : auth,
          postedId,
          status: failure?.status ?? 200,
        });
        if (failure) return [failure.status, { error: { code: 'Throttled', message: 'fake failure' } }, failure.headers];
        return [200, { id: postedId }];
      };
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the nock reply functions need both `this` (the request) and the fake.
    const self = this;
    nock(url.origin).persist().post(path).reply(record('POST')).put(path).reply(record('PUT'));
  }

  /** The next `times` sends or updates (not typing indicators) fail with this status and headers. */
  failNext(status: number, headers: Record<string, string> = {}, times = 1): void {
    for (let i = 0; i < times; i++) this.failures.push({ status, headers });
  }

  /** The next `times` sends or updates to one conversation fail with this status and headers. */
  failNextTo(conversationId: string, status: number, headers: Record<string, string> = {}, times = 1): void {
    for (let i = 0; i < times; i++) this.failures.push({ status, headers, conversationId });
  }

  /** Successful message posts (typing indicators left out). */
  get messages(): ConnectorCall[] {
    return this.calls.filter((c) => c.method === 'POST' && c.status === 200 && c.body.type === 'message');
  }

  get updates(): ConnectorCall[] {
    return this.calls.filter((c) => c.method === 'PUT' && c.status === 200);
  }

  clear(): void {
    this.calls.length = 0;
  }
}

export const cardOf = (call: ConnectorCall): Json | undefined => call.body.attachments?.[0]?.content as Json | undefined;

/** The last question card posted, with its activity id (the replyToId of a click on it). */
export function lastQuestion(connector: FakeConnector): { id: string; card: Json; choices: { title: string; data: Json }[] } {
  const call = [...connector.messages].reverse().find((c) => cardOf(c)?.actions?.some((a: Json) => a.type === 'Action.Submit'));
  if (!call) throw new Error(`no question card in ${JSON.stringify(connector.calls.map((c) => c.body))}`);
  const card = cardOf(call)!;
  return { id: call.postedId, card, choices: card.actions.map((a: Json) => ({ title: a.title, data: a.data })) };
}

export const DM = 'a:personal-1';
export const TEAM = '19:team@thread.tacv2';
export const STAFF = { id: '29:staff-1', name: 'Sam Staff', aadObjectId: 'aad-staff-1' };

/** The conversation id of a reply chain in a channel. */
export const thread = (channel: string, root: string) => `${channel};messageid=${root}`;

/** A message in a channel (a new post when `root` is its own id), as Teams sends it with RSC. */
export function channelMessage(text: string, opts: { channel?: string; root?: string; from?: Json; mention?: boolean } = {}): Json {
  const channel = opts.channel ?? CHANNEL;
  const base = personalMessage(opts.mention ? `<at>${BOT.name}</at> ${text}` : text);
  const root = opts.root ?? base.id;
  return {
    ...base,
    from: opts.from ?? STAFF,
    conversation: { id: thread(channel, root), conversationType: 'channel', isGroup: true, tenantId: 'tenant-1' },
    entities: opts.mention ? [{ type: 'mention', mentioned: BOT, text: `<at>${BOT.name}</at>` }] : [],
    channelData: { teamsChannelId: channel, teamsTeamId: TEAM, channel: { id: channel }, team: { id: TEAM }, tenant: { id: 'tenant-1' } },
  };
}

/** A click on a ticket card's button in a channel (the card is the thread's root). */
export function ticketClick(value: Json, cardId: string, channel = CHANNEL, from: Json = STAFF): Json {
  return {
    ...submit(value, cardId, thread(channel, cardId), 'channel'),
    from,
    channelData: { teamsChannelId: channel, teamsTeamId: TEAM, channel: { id: channel }, team: { id: TEAM }, tenant: { id: 'tenant-1' } },
  };
}

const ticketIdOf = (call: ConnectorCall): string | undefined => {
  const card = cardOf(call);
  if (card?.body?.[0]?.text !== 'Ticket opened') return undefined;
  return card.body[1].facts[0].value as string;
};

/**
 * "talk to someone" in the DM, answering any intake question (first option) or text prompt
 * (some text) until the escalation card comes; returns the ticket id.
 */
export async function escalate(base: string, connector: FakeConnector, conversationId = DM, headers: () => Record<string, string> = () => ({})): Promise<string> {
  const before = connector.messages.length;
  const send = (activity: Json) => postActivity(base, activity, headers());
  await send(personalMessage('talk to someone', conversationId));
  for (let i = 0; i < 8; i++) {
    const replies = connector.messages.slice(before).filter((c) => c.conversationId === conversationId && c.activityId !== undefined);
    const escalated = replies.map(ticketIdOf).find((id) => id !== undefined);
    if (escalated) return escalated;
    const last = replies.at(-1);
    const first = last ? (cardOf(last)?.actions?.[0] as Json | undefined) : undefined;
    if (last && typeof first?.data?.nodeId === 'string' && first.data.nodeId.startsWith('intake.')) await send(submit(first.data, last.postedId, conversationId));
    else await send(personalMessage('Outlook crashes every time I open it', conversationId));
  }
  throw new Error(`no escalation in ${JSON.stringify(connector.messages.slice(before).map((c) => c.body))}`);
}

/** Cards posted as new posts (new threads) in a channel. */
export const cardPosts = (connector: FakeConnector, channel = CHANNEL) => connector.messages.filter((c) => c.conversationId === channel && c.activityId === undefined);
/** Replies the bot posted in a card's thread. */
export const notes = (connector: FakeConnector, cardId: string) => connector.messages.filter((c) => c.conversationId === thread(CHANNEL, cardId)).map((c) => c.body.text as string);
/** Proactive messages to the requester (not replies to one of their activities). */
export const toUser = (connector: FakeConnector, conversationId = DM) => connector.messages.filter((c) => c.conversationId === conversationId && c.activityId === undefined);
/** The facts of a ticket card, by title. */
export const factsOf = (call: ConnectorCall): Record<string, string> =>
  Object.fromEntries(((cardOf(call)?.body as Json[]).find((b) => b.type === 'FactSet')?.facts as { title: string; value: string }[]).map((f) => [f.title, f.value]));

/** A Bot Framework channel token issuer: an RSA key whose public half nock publishes as Microsoft would. */
export class TokenIssuer {
  readonly kid = 'test-kid-1';
  private readonly privateKey: KeyObject;
  readonly publicJwk: Json;

  constructor() {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.privateKey = privateKey;
    this.publicJwk = publicKey.export({ format: 'jwk' });
  }

  /** Publishes the OpenID metadata and signing keys at Bot Framework's addresses. */
  publish(): void {
    nock('https://login.botframework.com')
      .persist()
      .get('/v1/.well-known/openidconfiguration')
      .reply(200, {
        issuer: 'https://api.botframework.com',
        authorization_endpoint: 'https://invalid.botframework.com',
        jwks_uri: 'https://login.botframework.com/v1/.well-known/keys',
        id_token_signing_alg_values_supported: ['RS256'],
        token_endpoint_auth_methods_supported: ['private_key_jwt'],
      })
      .get('/v1/.well-known/keys')
      .reply(200, { keys: [{ kty: 'RSA', use: 'sig', kid: this.kid, n: this.publicJwk.n, e: this.publicJwk.e, endorsements: ['msteams'] }] });
  }

  /** A signed token; `claims` overrides the defaults (issuer, audience, lifetime, serviceurl). */
  sign(claims: Json, key: KeyObject = this.privateKey, kid = this.kid): string {
    const now = Math.floor(Date.now() / 1000);
    const payload = { iss: 'https://api.botframework.com', serviceurl: SERVICE_URL, nbf: now - 60, iat: now - 60, exp: now + 600, jti: randomUUID(), ...claims };
    const encode = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const head = `${encode({ alg: 'RS256', typ: 'JWT', kid })}.${encode(payload)}`;
    const signature = createSign('RSA-SHA256').update(head).sign(key).toString('base64url');
    return `${head}.${signature}`;
  }
}

/** The Microsoft Entra token endpoint that gives the bot its outbound token. */
export function nockTokenEndpoint(accessToken: string, tenant = 'botframework.com'): { requests: string[] } {
  const requests: string[] = [];
  nock('https://login.microsoftonline.com')
    .persist()
    .post(new RegExp(`^/${tenant.replace('.', '\\.')}/oauth2/v2\\.0/token`))
    .query(true)
    .reply(200, (_uri, body) => {
      requests.push(typeof body === 'string' ? body : JSON.stringify(body));
      return { token_type: 'Bearer', expires_in: 3600, ext_expires_in: 3600, access_token: accessToken };
    });
  return { requests };
}
