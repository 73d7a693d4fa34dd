/**
 * The Microsoft Teams channel: botbuilder's CloudAdapter serves `POST /api/messages` on the
 * bot's restify server. Transport and rendering only: activities become `Inbound` turns for the
 * engine, replies go back as Adaptive Cards through the conversation's own serviceUrl.
 *
 * Authentication: with `MicrosoftAppId` set, CloudAdapter checks every request's Bot Framework
 * JWT (signature against the published OpenID keys, issuer, audience = app id, expiry,
 * serviceUrl claim) and answers 401 before the bot sees anything. Without it the endpoint runs
 * in local mode for the Bot Framework Emulator or Agents Playground and accepts anyone.
 *
 * Every `botbuilder` import of the project lives in this folder, so moving to the Microsoft 365
 * Agents SDK or the Teams SDK (botbuilder is archived upstream) touches nothing else.
 */
import { randomBytes } from 'node:crypto';
import {
  ActivityHandler,
  ActivityTypes,
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  type Activity,
  type InvokeResponse,
  type TurnContext,
} from 'botbuilder';
import { AuthenticationConstants, AuthenticationError, ClaimsIdentity, type AuthenticateRequestResult, type ConnectorClient } from 'botframework-connector';
import restify from 'restify';
import type { Server } from 'restify';
import type { SupportDesk } from '../../bot/desk';
import type { TriageEngine } from '../../bot/engine';
import { asBotError } from '../../bot/errors';
import { conversationKey, type ConversationRef, type Inbound, type Reply } from '../../bot/messages';
import type { Deliverer } from '../../bot/outbox';
import type { Logger, Storage } from '../../bot/ports';
import type { TeamsConfig } from '../../config';
import { answeredQuestion } from './answered';
import { ADAPTIVE_CARD, answeredCard, renderReply, welcomeMessages, type TeamsMessage } from './cards';
import { TeamsDeliverer } from './deliverer';
import { conversationRefOf, mentionsBot, parseMessage } from './inbound';
import { statusOf, withTeamsRetry } from './retry';
import { TeamsStaff } from './staff';

export const TEAMS_MESSAGES_PATH = '/api/messages';
/** How long an activity id is remembered, to drop a redelivery of the same message. */
export const DEDUPE_TTL_MS = 10 * 60_000;
/** Teams activities are small; anything bigger is refused with 413 before parsing. */
const MAX_BODY_BYTES = 512 * 1024;

export interface TeamsDeps {
  readonly engine: TriageEngine;
  readonly logger: Logger;
  readonly storage: Storage;
  readonly config: TeamsConfig;
  /** Ticket buttons, ticket threads, staff commands and the message action. */
  readonly desk: SupportDesk;
}

export interface TeamsChannel {
  /** `local`: no app id, unauthenticated (Emulator / Agents Playground). */
  readonly mode: 'local' | 'authenticated';
  /** Posts the outbox's Teams items (ticket cards, thread notes, user notifications). */
  readonly deliverer: Deliverer;
}

export function registerTeams(server: Server, deps: TeamsDeps): TeamsChannel {
  const logger = deps.logger.child({ channel: 'teams' });
  const { config } = deps;
  const auth = new StrictAuthentication({
    MicrosoftAppId: config.appId,
    MicrosoftAppPassword: config.appPassword,
    MicrosoftAppType: config.appType,
    MicrosoftAppTenantId: config.tenantId,
  });
  const adapter = new CloudAdapter(auth);
  const bot = new TriageBot(deps, logger, new TeamsStaff(deps.desk, logger));
  const deliverer = new TeamsDeliverer({ storage: deps.storage, desk: deps.desk, logger, connector: connectorFor(auth, config.appId ?? '') });
  // The last net: the bot catches its own errors, so this sees only the unexpected ones.
  adapter.onTurnError = (context, error) => bot.apologize(context, error, 'teams: unhandled turn error');

  // The body parser sits on this route only: the Slack route needs the raw body for its signature.
  server.post(TEAMS_MESSAGES_PATH, restify.plugins.bodyParser({ maxBodySize: MAX_BODY_BYTES, mapParams: false }), async (req, res) => {
    await adapter.process(req, res, (context) => bot.run(context));
    if (res.statusCode === 401) logger.warn({ code: 'TEAMS_UNAUTHORIZED' }, 'teams: request without a valid Bot Framework token refused');
  });

  if (config.appId) {
    logger.info({ path: TEAMS_MESSAGES_PATH, appType: config.appType }, 'teams channel on: POST /api/messages, Bot Framework tokens required');
    return { mode: 'authenticated', deliverer };
  }
  logger.warn(
    { path: TEAMS_MESSAGES_PATH, code: 'TEAMS_LOCAL_MODE' },
    'teams channel in LOCAL MODE: MicrosoftAppId is not set, so POST /api/messages accepts unauthenticated requests. ' +
      'Use it only with the Bot Framework Emulator or Agents Playground on this machine; never expose it publicly.',
  );
  return { mode: 'local', deliverer };
}

/**
 * Connector clients for proactive calls, one per serviceUrl, made the way CloudAdapter makes
 * them for continueConversationAsync (the bot's own identity; no credentials in local mode).
 */
function connectorFor(auth: ConfigurationBotFrameworkAuthentication, appId: string): (serviceUrl: string) => Promise<ConnectorClient> {
  const clients = new Map<string, Promise<ConnectorClient>>();
  return (serviceUrl) => {
    let client = clients.get(serviceUrl);
    if (!client) {
      const identity = new ClaimsIdentity([
        { type: AuthenticationConstants.AudienceClaim, value: appId },
        { type: AuthenticationConstants.AppIdClaim, value: appId },
      ]);
      client = auth.createConnectorFactory(identity).create(serviceUrl);
      // A failed creation is not kept: the next delivery tries again.
      client.catch(() => clients.delete(serviceUrl));
      clients.set(serviceUrl, client);
    }
    return client;
  };
}

/**
 * botbuilder 4.23 lets a token the JWT verifier rejects for its signature, issuer or not-before
 * time escape as a plain JsonWebTokenError, which CloudAdapter answers with 500 (and the library's
 * message). Any token that fails verification is an authentication failure: 401.
 */
class StrictAuthentication extends ConfigurationBotFrameworkAuthentication {
  override async authenticateRequest(activity: Activity, authHeader: string): Promise<AuthenticateRequestResult> {
    try {
      return await super.authenticateRequest(activity, authHeader);
    } catch (err) {
      const name = (err as Error | undefined)?.name;
      if (name === 'JsonWebTokenError' || name === 'NotBeforeError' || name === 'TokenExpiredError') {
        throw new AuthenticationError('Unauthorized. The token could not be verified.', 401);
      }
      throw err;
    }
  }
}

class TriageBot extends ActivityHandler {
  /** The last turn of each conversation, so the next one starts after it (answers never interleave). */
  private readonly tails = new Map<string, Promise<void>>();

  constructor(
    private readonly deps: TeamsDeps,
    private readonly logger: Logger,
    private readonly staff: TeamsStaff,
  ) {
    super();
    this.onMessage(async (context, next) => {
      await this.onUserMessage(context);
      await next();
    });
    this.onMembersAdded(async (context, next) => {
      const botId = context.activity.recipient?.id;
      if ((context.activity.membersAdded ?? []).some((m) => m.id === botId)) await this.welcome(context);
      await next();
    });
  }

  /** A short apology with a reference code for the user; the error and that code go to the log. */
  async apologize(context: TurnContext, error: unknown, message = 'teams: turn failed'): Promise<void> {
    const reference = `ERR-${randomBytes(3).toString('hex').toUpperCase()}`;
    this.logger.error({ err: error, code: asBotError(error).code, reference }, message);
    const text = `Sorry, something went wrong on my side and I could not finish that. Please try again in a minute. If it keeps happening, give the support team this reference: ${reference}`;
    await this.send(context, [{ type: 'message', text, textFormat: 'plain' }]);
  }

  private async onUserMessage(context: TurnContext): Promise<void> {
    const activity = context.activity;
    if (!(await this.firstDelivery(activity))) return;
    const parsed = parseMessage(activity);
    if (parsed.kind === 'foreign-submit') {
      this.logger.warn({ code: 'TEAMS_BAD_SUBMIT' }, 'teams: a card submit this bot did not render was ignored');
      return;
    }
    if (parsed.kind === 'ticket-submit') {
      // A ticket button is staff work, never an answer to a triage question.
      await this.staffWork(context, () => this.staff.ticketSubmit(context, parsed.submit));
      return;
    }
    const { inbound } = parsed;
    if (activity.conversation?.conversationType === 'channel' && inbound.kind === 'text') {
      let decision;
      try {
        decision = await this.staff.channelMessage(context, inbound);
      } catch (err) {
        // The bot reads every channel message: only someone who addressed it gets an apology.
        if (mentionsBot(activity)) await this.apologize(context, err);
        else this.logger.error({ err, code: asBotError(err).code }, 'teams: a channel message could not be checked; ignored');
        return;
      }
      if (decision.kind === 'done') {
        if (decision.reply) await this.send(context, [{ type: 'message', text: decision.reply, textFormat: 'plain' }]);
        return;
      }
      if (decision.kind === 'triage-for') {
        const { notice } = decision;
        await this.serialized(decision.inbound.ref, async () => {
          await this.send(context, [{ type: 'message', text: notice, textFormat: 'plain' }]);
          await this.turn(context, decision.inbound);
        });
        return;
      }
    }
    await this.serialized(inbound.ref, () => this.turn(context, inbound));
  }

  /** The "Create helpdesk ticket" message action; other invokes go to the default handling. */
  protected override async onInvokeActivity(context: TurnContext): Promise<InvokeResponse> {
    if (context.activity.name !== 'composeExtension/submitAction') return super.onInvokeActivity(context);
    try {
      return await this.staff.messageAction(context.activity);
    } catch (err) {
      const reference = `ERR-${randomBytes(3).toString('hex').toUpperCase()}`;
      this.logger.error({ err, code: asBotError(err).code, reference }, 'teams: message action failed');
      return { status: 200, body: { composeExtension: { type: 'message', text: `Sorry, I could not make the ticket. Please try again in a minute (reference ${reference}).` } } };
    }
  }

  /** Runs a staff action and posts its answer (a refusal), if any; a failure gets the apology. */
  private async staffWork(context: TurnContext, work: () => Promise<string | undefined>): Promise<void> {
    let answer: string | undefined;
    try {
      answer = await work();
    } catch (err) {
      await this.apologize(context, err);
      return;
    }
    if (answer) await this.send(context, [{ type: 'message', text: answer, textFormat: 'plain' }]);
  }

  /** The bot was installed in a personal chat, or added to a team or group chat: help and the topic menu. */
  private async welcome(context: TurnContext): Promise<void> {
    const ref = conversationRefOf(context.activity);
    await this.serialized(ref, () => this.turn(context, { kind: 'command', command: 'help', ref }, welcomeMessages));
  }

  private async turn(context: TurnContext, inbound: Inbound, render: (replies: readonly Reply[]) => TeamsMessage[] = (r) => r.map(renderReply)): Promise<void> {
    await this.typing(context);
    let replies: Reply[];
    try {
      replies = await this.deps.engine.handle(inbound);
    } catch (err) {
      await this.apologize(context, err);
      return;
    }
    const cardId = context.activity.replyToId;
    if (inbound.kind === 'choice' && cardId) await this.markAnswered(context, inbound, cardId);
    await this.send(context, render(replies));
  }

  /** Replaces an answered question's card by the question and the answer taken, without buttons. */
  private async markAnswered(context: TurnContext, choice: Extract<Inbound, { kind: 'choice' }>, cardId: string): Promise<void> {
    let answered;
    try {
      answered = answeredQuestion(await this.deps.storage.readTranscript(conversationKey(choice.ref)), choice);
    } catch (err) {
      this.logger.warn({ err, code: 'STORAGE_UNAVAILABLE' }, 'teams: could not read the transcript; the answered card keeps its buttons');
      return;
    }
    if (!answered) return;
    const update: Partial<Activity> = {
      id: cardId,
      type: ActivityTypes.Message,
      attachments: [{ contentType: ADAPTIVE_CARD, content: answeredCard(answered.question, answered.answer) }],
    };
    try {
      await withTeamsRetry(() => context.updateActivity(update), this.onRetry('updateActivity'));
    } catch (err) {
      this.logger.error({ err, code: 'TEAMS_UPDATE_FAILED', status: statusOf((err as Error).cause) }, 'teams: could not update the answered card');
    }
  }

  /** Posts messages in order in reply to the incoming activity; stops at the first that Teams refuses. */
  private async send(context: TurnContext, messages: readonly TeamsMessage[]): Promise<void> {
    for (const [i, message] of messages.entries()) {
      try {
        await withTeamsRetry(() => context.sendActivity(message), this.onRetry('sendActivity'));
      } catch (err) {
        this.logger.error(
          { err, code: 'TEAMS_SEND_FAILED', status: statusOf((err as Error).cause), undelivered: messages.length - i },
          'teams: could not post a reply',
        );
        return;
      }
    }
  }

  private async typing(context: TurnContext): Promise<void> {
    try {
      await context.sendActivity({ type: ActivityTypes.Typing });
    } catch (err) {
      // Only a hint to the user: not worth a retry, and the turn goes on.
      this.logger.warn({ err, code: 'TEAMS_SEND_FAILED', status: statusOf(err) }, 'teams: typing indicator not sent');
    }
  }

  private onRetry(method: string) {
    return (info: { retry: number; status: number; delayMs: number }) =>
      this.logger.warn({ code: 'TEAMS_THROTTLED', method, ...info }, 'teams: API call throttled; retrying');
  }

  /** False for a redelivered activity (same conversation and activity id), shared by every instance. */
  private async firstDelivery(activity: Activity): Promise<boolean> {
    if (!activity.id || !activity.conversation?.id) return true;
    try {
      return await this.deps.storage.claimEvent('teams', `${activity.conversation.id}|${activity.id}`, DEDUPE_TTL_MS);
    } catch (err) {
      // Better to risk a duplicate answer than to drop the message.
      this.logger.warn({ err, code: 'STORAGE_UNAVAILABLE' }, 'teams: could not record the activity id; processing it anyway');
      return true;
    }
  }

  private serialized(ref: ConversationRef, work: () => Promise<void>): Promise<void> {
    const key = conversationKey(ref);
    const turn = (this.tails.get(key) ?? Promise.resolve()).then(work, work);
    const tail = turn.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return turn;
  }
}
