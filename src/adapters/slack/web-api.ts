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
  'conversations.open': ['im:write'],
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

export function clientOptions(apiUrl: string, logger: Logger): webApi.WebClientOptions {
  return {
    slackApiUrl: apiUrl,
    logger: boltLogger(logger),
    retryConfig: RETRY_POLICY,
    // false: on a 429 the client waits Retry-After seconds and tries again (counted in retryConfig).
    rejectRateLimitedCalls: false,
    timeout: REQUEST_TIMEOUT_MS,
  };
}

export class SlackApi {
  readonly client: webApi.WebClient;

  constructor(token: string, apiUrl: string, logger: Logger) {
    this.client = new webApi.WebClient(token, clientOptions(apiUrl, logger));
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
    case webApi.ErrorCode.RateLimitedError:
      return new SlackApiError('SLACK_RATE_LIMITED', method, undefined, message, { cause: err });
    default:
      // After its retries the WebClient rethrows the last failure; a 429 shows up as a plain Error.
      return new SlackApiError(/rate limit/i.test(e.message ?? '') ? 'SLACK_RATE_LIMITED' : 'SLACK_UNREACHABLE', method, undefined, message, { cause: err });
  }
}
