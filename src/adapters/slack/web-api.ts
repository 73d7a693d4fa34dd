/**
 * The bot's side of the Slack Web API: the few calls the adapter makes, each failure turned into
 * a SlackApiError with a stable code, rate limits (429 + Retry-After) waited out and retried by
 * the WebClient itself. Also lists which scopes those calls need (the manifest test checks them).
 */
import { LogLevel, webApi, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from '../../bot/ports';
import type { BotIdentity, Place } from './inbound';
import type { SlackMessage } from './blocks';
import type { types } from '@slack/bolt';

/** Web API methods this adapter calls → the bot scopes each one needs. */
export const API_SCOPES = {
  'auth.test': [],
  'chat.postMessage': ['chat:write'],
  'chat.update': ['chat:write'],
  'chat.postEphemeral': ['chat:write'],
  'conversations.open': ['im:write'],
  // A thread turned into a ticket, or the original poster of a thread to triage: public and private channels.
  'conversations.replies': ['channels:history', 'groups:history'],
  'users.info': ['users:read'],
  'views.publish': [],
} as const satisfies Record<string, readonly string[]>;

export type SlackErrorCode =
  /** Slack answered ok:false (e.g. channel_not_found, invalid_blocks, not_authed). */
  | 'SLACK_API_ERROR'
  /** Still rate limited after the retries. */
  | 'SLACK_RATE_LIMITED'
  /** An HTTP status other than 200/429, or no answer at all, after the retries. */
  | 'SLACK_UNREACHABLE';

export class SlackApiError extends Error {
  constructor(
    readonly code: SlackErrorCode,
    readonly method: keyof typeof API_SCOPES,
    /** Slack's own error string for SLACK_API_ERROR. */
    readonly slackError: string | undefined,
    message: string,
    options?: { cause?: unknown },
    /** From a 429's Retry-After, when the client was told not to wait it out itself. */
    readonly retryAfterMs?: number,
  ) {
    super(message, options);
    this.name = 'SlackApiError';
  }
}

/**
 * Retries for network failures, 5xx and 429s: 3 more attempts, 0.5 s to 4 s apart (a 429 first
 * waits its Retry-After). Bounded so a Slack outage cannot hold a turn, or shutdown, for long.
 */
export const RETRY_POLICY = { retries: 3, factor: 2, minTimeout: 500, maxTimeout: 4000, randomize: true };
/** Per HTTP request; the WebClient has no timeout by default. */
export const REQUEST_TIMEOUT_MS = 10_000;

/**
 * Bolt and the WebClient log through ours. Their debug lines carry request bodies (message
 * text), which our logs never do, so debug is dropped.
 */
export function boltLogger(logger: Logger): BoltLogger {
  const line = (msg: unknown[]) => msg.map((m) => (m instanceof Error ? m.message : typeof m === 'string' ? m : JSON.stringify(m))).join(' ');
  let level = LogLevel.INFO;
  return {
    debug: () => undefined,
    info: (...msg: unknown[]) => logger.info({}, line(msg)),
    warn: (...msg: unknown[]) => logger.warn({ code: 'SLACK_SDK' }, line(msg)),
    error: (...msg: unknown[]) => logger.error({ code: 'SLACK_SDK' }, line(msg)),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}

/**
 * `retries: false` is for the outbox: it retries on its own schedule (persisted, with backoff), so
 * each call is tried once and a 429 comes back at once with its Retry-After.
 */
export function clientOptions(apiUrl: string, logger: Logger, { retries = true }: { retries?: boolean } = {}): webApi.WebClientOptions {
  return {
    slackApiUrl: apiUrl,
    logger: boltLogger(logger),
    retryConfig: retries ? RETRY_POLICY : { retries: 0 },
    // false: on a 429 the client waits Retry-After seconds and tries again (counted in retryConfig).
    rejectRateLimitedCalls: !retries,
    timeout: REQUEST_TIMEOUT_MS,
  };
}

/** The fields of a message in conversations.replies this adapter reads. */
export interface SlackHistoryMessage {
  readonly ts: string;
  readonly thread_ts?: string;
  readonly user?: string;
  readonly bot_id?: string;
  readonly username?: string;
  readonly subtype?: string;
  readonly text?: string;
}

export class SlackApi {
  readonly client: webApi.WebClient;

  constructor(token: string, apiUrl: string, logger: Logger, options: { retries?: boolean } = {}) {
    this.client = new webApi.WebClient(token, clientOptions(apiUrl, logger, options));
  }

  async authTest(): Promise<BotIdentity> {
    const res = await this.call('auth.test', () => this.client.auth.test());
    if (!res.user_id || !res.bot_id) throw new SlackApiError('SLACK_API_ERROR', 'auth.test', 'no_bot_identity', 'auth.test did not return the bot user id and bot id (is SLACK_BOT_TOKEN a bot token?)');
    return { botUserId: res.user_id, botId: res.bot_id };
  }

  /** Posts a message; returns its ts. */
  async postMessage(place: Place, message: SlackMessage): Promise<string> {
    const res = await this.call('chat.postMessage', () =>
      this.client.chat.postMessage({
        channel: place.channel,
        ...(place.threadTs ? { thread_ts: place.threadTs } : {}),
        text: message.text,
        blocks: message.blocks,
        unfurl_links: false,
        unfurl_media: false,
      }),
    );
    return res.ts ?? '';
  }

  async update(channel: string, ts: string, message: SlackMessage): Promise<void> {
    await this.call('chat.update', () => this.client.chat.update({ channel, ts, text: message.text, blocks: message.blocks }));
  }

  /** The DM channel between the bot and a user. */
  async openDm(userId: string): Promise<string> {
    const res = await this.call('conversations.open', () => this.client.conversations.open({ users: userId }));
    const id = res.channel?.id;
    if (!id) throw new SlackApiError('SLACK_API_ERROR', 'conversations.open', 'no_channel', 'conversations.open returned no channel');
    return id;
  }

  /** A message only `user` sees, in `place` (a thread when threadTs is set). */
  async postEphemeral(place: Place, user: string, text: string): Promise<void> {
    await this.call('chat.postEphemeral', () =>
      this.client.chat.postEphemeral({ channel: place.channel, user, text, ...(place.threadTs ? { thread_ts: place.threadTs } : {}) }),
    );
  }

  /** A thread: its parent message first, then up to `limit` - 1 replies, oldest first. */
  async replies(channel: string, ts: string, limit = 200): Promise<SlackHistoryMessage[]> {
    const res = await this.call('conversations.replies', () => this.client.conversations.replies({ channel, ts, limit, inclusive: true }));
    return (res.messages ?? []).flatMap((m) => (typeof m.ts === 'string' ? [m as SlackHistoryMessage] : []));
  }

  /** The name people see for a user: display name, else real name, else user name. */
  async userName(userId: string): Promise<string | undefined> {
    const res = await this.call('users.info', () => this.client.users.info({ user: userId }));
    const u = res.user;
    const pick = (...names: (string | undefined)[]) => names.find((n) => typeof n === 'string' && n.trim() !== '');
    return pick(u?.profile?.display_name, u?.profile?.real_name, u?.real_name, u?.name);
  }

  async publishHome(userId: string, view: types.HomeView): Promise<void> {
    await this.call('views.publish', () => this.client.views.publish({ user_id: userId, view }));
  }

  private async call<T>(method: keyof typeof API_SCOPES, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw toSlackApiError(method, err);
    }
  }
}

export function toSlackApiError(method: keyof typeof API_SCOPES, err: unknown): SlackApiError {
  if (err instanceof SlackApiError) return err;
  const e = err as { code?: string; data?: { error?: string }; message?: string };
  const message = `${method}: ${e.message ?? String(err)}`;
  switch (e.code) {
    case webApi.ErrorCode.PlatformError:
      return new SlackApiError('SLACK_API_ERROR', method, e.data?.error, message, { cause: err });
    case webApi.ErrorCode.RateLimitedError: {
      const retryAfter = (err as { retryAfter?: unknown }).retryAfter;
      return new SlackApiError('SLACK_RATE_LIMITED', method, undefined, message, { cause: err }, typeof retryAfter === 'number' ? retryAfter * 1000 : undefined);
    }
    default:
      // After its retries the WebClient rethrows the last failure; a 429 shows up as a plain Error.
      return new SlackApiError(/rate limit/i.test(e.message ?? '') ? 'SLACK_RATE_LIMITED' : 'SLACK_UNREACHABLE', method, undefined, message, { cause: err });
  }
}
