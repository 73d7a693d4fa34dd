/**
 * Display names of Slack users (users.info), kept for a while so that a busy conversation costs
 * one lookup, not one per message. Tickets and ticket threads show names, not `U0123…` ids.
 */
import type { Logger, Person } from '../../bot/ports';
import { SlackApiError, type SlackApi } from './web-api';

/** How long a looked-up display name is reused. */
const NAME_TTL_MS = 10 * 60_000;
const NAME_CACHE_MAX = 2_000;

export class SlackPeople {
  private readonly names = new Map<string, { name: string; at: number }>();

  constructor(
    private readonly api: Pick<SlackApi, 'userName'>,
    private readonly logger: Logger,
  ) {}

  /** The user with the name people see; just the id when users.info fails (logged, never thrown). */
  async person(userId: string): Promise<Person> {
    const cached = this.names.get(userId);
    if (cached && Date.now() - cached.at < NAME_TTL_MS) return { channel: 'slack', id: userId, name: cached.name };
    let name: string | undefined;
    try {
      name = await this.api.userName(userId);
    } catch (err) {
      const e = err instanceof SlackApiError ? err : undefined;
      this.logger.error({ err, code: e?.code ?? 'INTERNAL', method: 'users.info', slackError: e?.slackError }, 'slack: users.info failed');
    }
    if (!name) return { channel: 'slack', id: userId };
    if (this.names.size >= NAME_CACHE_MAX) this.names.clear();
    this.names.set(userId, { name, at: Date.now() });
    return { channel: 'slack', id: userId, name };
  }
}
