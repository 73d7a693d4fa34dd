/**
 * The Slack channel: a Bolt app served at `POST /slack/events` on the bot's restify server (or
 * over Socket Mode when an app-level token is set). Transport only: it turns DMs, @mentions and
 * button clicks into `Inbound` turns for the engine and posts the replies in Block Kit.
 *
 * Delivery rules. Every request is acknowledged before any work: Bolt acks Events API requests
 * itself (processBeforeResponse: false) and the first middleware below acks every block_actions
 * payload, so listeners never call ack(). The work then runs after the response. A redelivered
 * event (same event_id) or click (same user and action_ts) is claimed in the store, shared by
 * every instance, and skipped. Nothing thrown after the ack escapes: it is logged with a code.
 */
import { randomBytes } from 'node:crypto';
import { App, HTTPReceiver, SocketModeReceiver, type AnyMiddlewareArgs, type Authorize, type Middleware } from '@slack/bolt';
import type { Request, Response, Server } from 'restify';
import type { SupportDesk } from '../../bot/desk';
import type { TriageEngine } from '../../bot/engine';
import { asBotError, BotError } from '../../bot/errors';
import { conversationKey, type Reply } from '../../bot/messages';
import type { Logger, Storage } from '../../bot/ports';
import type { SlackConfig } from '../../config';
import { answeredQuestion, CHOICE_ACTION, homeView, renderReply, START_TRIAGE_ACTION, type EchoedBlock, type SlackMessage } from './blocks';
import { SlackDeliverer } from './deliverer';
import { choiceClick, directMessage, mention, type BotIdentity, type Place, type Routed, type SlackBlockActions, type SlackMessageEvent } from './inbound';
import { SlackPeople } from './people';
import { SlackStaffDesk, TICKET_ACTION, TICKET_REACTION, TICKET_SHORTCUT, type SlackMessageShortcut } from './staff-desk';
import { boltLogger, clientOptions, SlackApi, SlackApiError } from './web-api';

export const SLACK_EVENTS_PATH = '/slack/events';

/** Events this adapter handles → the bot scopes each one needs (the manifest test checks them). */
export const EVENT_SCOPES = {
  app_mention: ['app_mentions:read'],
  'message.im': ['im:history'],
  // Staff replies in a ticket card's thread (support channel public or private).
  'message.channels': ['channels:history'],
  'message.groups': ['groups:history'],
  // :ticket: on a message turns its thread into a ticket.
  reaction_added: ['reactions:read'],
  app_home_opened: [],
} as const satisfies Record<string, readonly string[]>;

/** How long a seen event id or click is remembered: Slack's last retry comes after about 5 minutes. */
export const DEDUPE_TTL_MS = 10 * 60_000;
/** Slack refuses requests whose timestamp is more than 5 minutes off; so do we, in both directions. */
const MAX_CLOCK_SKEW_S = 5 * 60;
/** Shutdown waits this long for replies still being posted. */
const STOP_WAIT_MS = 5_000;

export interface SlackDeps {
  readonly engine: TriageEngine;
  readonly logger: Logger;
  readonly storage: Storage;
  /** Undefined when Slack is not configured: the channel is off. */
  readonly config: SlackConfig | undefined;
  /** Support staff side (ticket cards, buttons, thread relay, shortcut); off without it. */
  readonly desk?: SupportDesk;
  /** A guide's title for the ticket card. */
  readonly flowTitle?: (flowId: string) => string | undefined;
}

export interface SlackChannel {
  readonly mode: 'http' | 'socket';
  readonly api: SlackApi;
  /** Delivers the outbox's Slack items (set when a desk was given). */
  readonly deliverer: SlackDeliverer | undefined;
  /** Waits (briefly) for work in flight and disconnects Socket Mode. */
  stop(): Promise<void>;
}

export async function registerSlack(server: Server, deps: SlackDeps): Promise<SlackChannel | undefined> {
  const { config } = deps;
  const logger = deps.logger.child({ channel: 'slack' });
  if (!config) {
    logger.info({}, 'slack channel off: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET');
    return undefined;
  }
  const channel = new SlackChannelImpl(deps, config, logger);
  await channel.start(server);
  return channel;
}

class SlackChannelImpl implements SlackChannel {
  readonly mode: 'http' | 'socket';
  readonly api: SlackApi;
  private readonly people: SlackPeople;
  private readonly inFlight = new Set<Promise<void>>();
  /** The last turn of each conversation, to run the next one after it. */
  private readonly tails = new Map<string, Promise<void>>();
  private identityPromise: Promise<BotIdentity> | undefined;
  private socket: SocketModeReceiver | undefined;
  private app: App | undefined;
  readonly deliverer: SlackDeliverer | undefined;
  private readonly staff: SlackStaffDesk | undefined;

  constructor(
    private readonly deps: SlackDeps,
    private readonly config: SlackConfig,
    private readonly logger: Logger,
  ) {
    this.mode = config.appToken ? 'socket' : 'http';
    this.api = new SlackApi(config.botToken, config.apiUrl, logger);
    this.people = new SlackPeople(this.api, logger);
    if (deps.desk) {
      // The outbox retries on its own persisted schedule, so its calls are tried once each.
      const outboxApi = new SlackApi(config.botToken, config.apiUrl, logger, { retries: false });
      this.deliverer = new SlackDeliverer({ api: outboxApi, storage: deps.storage, desk: deps.desk, logger, ...(deps.flowTitle ? { flowTitle: deps.flowTitle } : {}) });
      this.staff = new SlackStaffDesk({ api: this.api, desk: deps.desk, storage: deps.storage, logger, people: this.people, converse: (routed) => this.converse(routed) });
    }
  }

  async start(server: Server): Promise<void> {
    const { config, logger } = this;
    const boltLog = boltLogger(logger);
    // Our own authorize instead of Bolt's token option: Bolt would call auth.test once and keep a
    // failure forever; this one retries on the next event after a failure.
    const authorize: Authorize<boolean> = async () => ({ botToken: config.botToken, ...(await this.identity()) });
    let http: HTTPReceiver | undefined;
    if (config.appToken) {
      this.socket = new SocketModeReceiver({ appToken: config.appToken, logger: boltLog, installerOptions: { clientOptions: { slackApiUrl: config.apiUrl } } });
    } else {
      // loadConfig already refuses this; the check keeps a hand-built config from verifying nothing.
      if (!config.signingSecret) throw new BotError('CONFIG_INVALID', 'SLACK_SIGNING_SECRET is required unless SLACK_APP_TOKEN (Socket Mode) is set');
      http = new HTTPReceiver({
        signingSecret: config.signingSecret,
        endpoints: SLACK_EVENTS_PATH,
        processBeforeResponse: false,
        logger: boltLog,
      });
    }
    const app = new App({
      receiver: this.socket ?? http,
      authorize,
      clientOptions: clientOptions(config.apiUrl, logger),
      logger: boltLog,
      ignoreSelf: true,
      convoStore: false,
    });
    this.app = app;
    app.use(this.firstDelivery);
    app.event('message', async ({ event, context }) => this.onMessage(event as SlackMessageEvent, identityOf(context)));
    app.event('app_mention', async ({ event, context }) => this.onMention(event as SlackMessageEvent, identityOf(context)));
    app.event('app_home_opened', async ({ event }) => this.onHomeOpened(event.user, event.tab));
    app.action(CHOICE_ACTION, async ({ body }) => this.onChoice(body as SlackBlockActions));
    app.action(START_TRIAGE_ACTION, async ({ body }) => this.onStartTriage(body.user?.id));
    const staff = this.staff;
    if (staff) {
      app.action(TICKET_ACTION, async ({ body }) => staff.onTicketAction(body as SlackBlockActions));
      app.shortcut(TICKET_SHORTCUT, async ({ body, context, respond }) =>
        staff.onShortcut(body as SlackMessageShortcut, identityOf(context), respond ? (text) => respond({ response_type: 'ephemeral', text }) : undefined),
      );
      app.event('reaction_added', async ({ event, context }) => {
        if (event.reaction === TICKET_REACTION) await staff.onReaction(event, identityOf(context));
      });
    }
    // The last net: listeners catch their own errors, so this only sees Bolt's (e.g. authorize failing).
    app.error(async (error) => {
      logger.error({ err: error, code: error.code === 'slack_bolt_authorization_error' ? 'SLACK_AUTH_FAILED' : 'INTERNAL' }, 'slack: event not processed');
    });

    // Validate the token early so a bad one shows in the startup log, not at the first message.
    void this.identity().then(
      (bot) => logger.info({ botUserId: bot.botUserId }, 'slack bot identity confirmed'),
      (err: unknown) => logger.error({ err, code: err instanceof SlackApiError ? err.code : 'SLACK_AUTH_FAILED' }, 'slack: auth.test failed; will retry on the next event'),
    );

    if (http) {
      const receiver = http;
      server.post(SLACK_EVENTS_PATH, async (req: Request, res: Response) => {
        if (!freshTimestamp(req.headers['x-slack-request-timestamp'])) {
          logger.warn({ code: 'SLACK_BAD_TIMESTAMP' }, 'slack: request without a current timestamp refused');
          res.writeHead(401, { connection: 'close' });
          res.end();
          return;
        }
        // Bolt reads the raw body itself (no body parser on this route: the signature covers the bytes).
        await new Promise<void>((resolve) => {
          res.once('finish', resolve);
          res.once('close', resolve);
          receiver.requestListener(req, res);
        });
      });
      logger.info({ path: SLACK_EVENTS_PATH, apiUrl: config.apiUrl }, 'slack channel on: events at POST /slack/events');
    } else {
      app.start().then(
        () => logger.info({ apiUrl: config.apiUrl }, 'slack channel on: Socket Mode connected'),
        (err: unknown) => logger.error({ err, code: 'SLACK_SOCKET_FAILED' }, 'slack: Socket Mode could not connect'),
      );
    }
  }

  async stop(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), STOP_WAIT_MS);
    });
    const drained = (async () => {
      while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
      return 'drained' as const;
    })();
    if ((await Promise.race([drained, timeout])) === 'timeout') {
      this.logger.warn({ code: 'SHUTDOWN_TIMEOUT', inFlight: this.inFlight.size }, 'slack: replies still being posted at shutdown');
    }
    clearTimeout(timer);
    if (this.socket) await this.app?.stop().catch((err: unknown) => this.logger.warn({ err, code: 'SLACK_SOCKET_FAILED' }, 'slack: Socket Mode did not close cleanly'));
  }

  private identity(): Promise<BotIdentity> {
    this.identityPromise ??= this.api.authTest().catch((err: unknown) => {
      this.identityPromise = undefined;
      throw err;
    });
    return this.identityPromise;
  }

  /**
   * First global middleware: acks clicks, drops redeliveries, and tracks the work that follows
   * so shutdown can wait for it.
   */
  private readonly firstDelivery: Middleware<AnyMiddlewareArgs> = async (args) => {
    const work = (async () => {
      if ('ack' in args && args.ack && (args.body.type === 'block_actions' || args.body.type === 'message_action')) await args.ack();
      const key = dedupeKey(args.body as DeliveryBody);
      if (key) {
        let first = true;
        try {
          first = await this.deps.storage.claimEvent('slack', key, DEDUPE_TTL_MS);
        } catch (err) {
          // Better to risk a duplicate answer than to drop the message.
          this.logger.warn({ err, code: 'STORAGE_UNAVAILABLE' }, 'slack: could not record the event id; processing it anyway');
        }
        if (!first) {
          this.logger.info({ key, retryNum: args.context.retryNum, retryReason: args.context.retryReason }, 'slack: redelivery ignored');
          return;
        }
      }
      await args.next();
    })();
    const tracked = work.catch((err: unknown) => this.logger.error({ err, code: 'INTERNAL' }, 'slack: processing failed'));
    this.inFlight.add(tracked);
    try {
      await tracked;
    } finally {
      this.inFlight.delete(tracked);
    }
  };

  private async onMessage(event: SlackMessageEvent, bot: BotIdentity | undefined): Promise<void> {
    if (!bot) return;
    const routed = directMessage(event, bot);
    if (routed) await this.converse(routed);
    // Channel messages are never triaged (that takes an @mention); in a ticket's thread they go to the requester.
    else await this.staff?.onChannelMessage(event, bot);
  }

  private async onMention(event: SlackMessageEvent, bot: BotIdentity | undefined): Promise<void> {
    if (!bot) return;
    if (this.staff && (await this.staff.onMention(event, bot))) return;
    const routed = mention(event, bot);
    if (routed) await this.converse(routed);
  }

  private async onChoice(body: SlackBlockActions): Promise<void> {
    const click = choiceClick(body);
    if (!click) {
      this.logger.warn({ code: 'SLACK_BAD_PAYLOAD' }, 'slack: a button click this bot did not render was ignored');
      return;
    }
    // Show the answer in place of the buttons first, so the same question cannot be answered twice.
    const blocks = Array.isArray(body.message?.blocks) ? (body.message.blocks as EchoedBlock[]) : [];
    await this.guard('chat.update', () => this.api.update(click.place.channel, click.messageTs, answeredQuestion(blocks, click.label)));
    await this.converse(click);
  }

  private async onStartTriage(userId: string | undefined): Promise<void> {
    if (!userId) return;
    const channel = await this.guard('conversations.open', () => this.api.openDm(userId));
    if (!channel) return;
    // "help" continues an open question (and explains the commands) or shows the topic menu.
    await this.converse({ inbound: { kind: 'command', command: 'help', ref: { channel: 'slack', conversationId: channel, user: { id: userId } } }, place: { channel } });
  }

  private async onHomeOpened(userId: string, tab: string | undefined): Promise<void> {
    if (tab !== 'home') return;
    let tickets;
    try {
      tickets = (await this.deps.storage.listTickets({ requesterId: userId })).filter((t) => t.requester.channel === 'slack');
    } catch (err) {
      this.logger.error({ err, code: 'STORAGE_UNAVAILABLE' }, 'slack: could not load tickets for the App Home');
      return;
    }
    await this.guard('views.publish', () => this.api.publishHome(userId, homeView(tickets)));
  }

  /**
   * One turn: the engine's replies, posted in order where the message came from. Turns of one
   * conversation run one after the other, so two quick messages never get interleaved answers.
   */
  private converse(routed: Routed): Promise<void> {
    const key = conversationKey(routed.inbound.ref);
    const turn = (this.tails.get(key) ?? Promise.resolve()).catch(() => undefined).then(() => this.turn(routed));
    this.tails.set(key, turn);
    const forget = () => {
      if (this.tails.get(key) === turn) this.tails.delete(key);
    };
    void turn.then(forget, forget);
    return turn;
  }

  private async turn({ inbound: received, place }: Routed): Promise<void> {
    let replies: Reply[];
    // The user's display name goes with the message, so a ticket shows who asked.
    const user = received.ref.user.name ? received.ref.user : await this.people.person(received.ref.user.id);
    const inbound = { ...received, ref: { ...received.ref, user: { id: user.id, ...(user.name ? { name: user.name } : {}) } } };
    try {
      replies = await this.deps.engine.handle(inbound);
    } catch (err) {
      const e = asBotError(err);
      const reference = randomBytes(4).toString('hex');
      this.logger.error({ err, code: e.code, reference }, 'slack: turn failed');
      await this.post(place, renderReply({ kind: 'text', text: `Sorry, I could not handle that right now. Please try again in a minute. (reference ${reference})` }));
      return;
    }
    for (const [i, reply] of replies.entries()) {
      if (!(await this.post(place, renderReply(reply, inbound.ref.threadId)))) {
        if (i < replies.length - 1) this.logger.warn({ code: 'SLACK_UNDELIVERED', undelivered: replies.length - 1 - i }, 'slack: later replies of the turn not posted');
        return;
      }
    }
  }

  /** Posts one message; a message Slack refuses as invalid is sent again as plain text. */
  private async post(place: Place, message: SlackMessage): Promise<boolean> {
    try {
      await this.api.postMessage(place, message);
      return true;
    } catch (err) {
      if (err instanceof SlackApiError && err.slackError === 'invalid_blocks') {
        this.logger.error({ err, code: err.code, slackError: err.slackError }, 'slack: blocks refused; sending plain text');
        return (await this.guard('chat.postMessage', () => this.api.postMessage(place, { text: message.text, blocks: [] }))) !== undefined;
      }
      this.logError('chat.postMessage', err);
      return false;
    }
  }

  /** Runs a Web API call; a failure is logged with its code and gives undefined. */
  private async guard<T>(method: string, run: () => Promise<T>): Promise<T | undefined> {
    try {
      return await run();
    } catch (err) {
      this.logError(method, err);
      return undefined;
    }
  }

  private logError(method: string, err: unknown): void {
    const e = err instanceof SlackApiError ? err : undefined;
    this.logger.error({ err, code: e?.code ?? 'INTERNAL', method, slackError: e?.slackError }, `slack: ${method} failed`);
  }
}

function identityOf(context: { botUserId?: string; botId?: string }): BotIdentity | undefined {
  return context.botUserId && context.botId ? { botUserId: context.botUserId, botId: context.botId } : undefined;
}

interface DeliveryBody {
  readonly type?: string;
  readonly event_id?: string;
  readonly user?: { readonly id?: string };
  readonly actions?: readonly { readonly action_ts?: string }[];
  readonly action_ts?: string;
  readonly trigger_id?: string;
}

/** What makes a delivery unique: the event id, or for a click the user and the click's own ts. */
export function dedupeKey(body: DeliveryBody): string | undefined {
  if (body.type === 'event_callback' && body.event_id) return body.event_id;
  const shortcutId = body.action_ts ?? body.trigger_id;
  if (body.type === 'message_action' && body.user?.id && shortcutId) return `message_action:${body.user.id}:${shortcutId}`;
  const actionTs = body.actions?.[0]?.action_ts;
  if (body.type === 'block_actions' && body.user?.id && actionTs) return `block_actions:${body.user.id}:${actionTs}`;
  return undefined;
}

function freshTimestamp(header: string | string[] | undefined): boolean {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value || !/^\d{1,12}$/.test(value)) return false;
  return Math.abs(Date.now() / 1000 - Number(value)) <= MAX_CLOCK_SKEW_S;
}
