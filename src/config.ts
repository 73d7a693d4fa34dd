/**
 * Configuration comes only from environment variables, validated once at startup. Every bad
 * value gets its own message; secrets are never echoed back.
 */
import { z } from 'zod';
import { checkDatabaseUrl, DEFAULT_DATABASE_URL } from './adapters/storage';
import { BotError } from './bot/errors';

const flag = (fallback: boolean) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return fallback;
      const t = v.trim().toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(t)) return true;
      if (['0', 'false', 'no', 'off'].includes(t)) return false;
      ctx.addIssue({ code: 'custom', message: 'must be true or false' });
      return z.NEVER;
    });

const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const EnvSchema = z.object({
  PORT: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return 3978;
      const n = Number(v);
      if (!/^\d+$/.test(v.trim()) || n < 1 || n > 65535) {
        ctx.addIssue({ code: 'custom', message: 'must be a whole number from 1 to 65535' });
        return z.NEVER;
      }
      return n;
    }),
  HOST: z.string().trim().min(1).optional(),
  DATABASE_URL: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const url = v === undefined || v.trim() === '' ? DEFAULT_DATABASE_URL : v.trim();
      const problem = checkDatabaseUrl(url);
      if (problem) {
        ctx.addIssue({ code: 'custom', message: problem });
        return z.NEVER;
      }
      return url;
    }),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      message: 'must be one of fatal, error, warn, info, debug, trace, silent',
    })
    .default('info'),
  WEB_CHAT_ENABLED: flag(true),

  // Microsoft Teams (Bot Framework). No app id: local mode for the Emulator / Agents Playground.
  MicrosoftAppId: optionalText,
  MicrosoftAppPassword: optionalText,
  MicrosoftAppType: z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === '' ? 'MultiTenant' : v.trim()))
    .pipe(z.enum(['MultiTenant', 'SingleTenant', 'UserAssignedMSI'], { message: 'must be MultiTenant, SingleTenant or UserAssignedMSI' })),
  MicrosoftAppTenantId: optionalText,

  // Slack. No bot token and signing secret: the Slack channel is off.
  SLACK_BOT_TOKEN: optionalText,
  SLACK_SIGNING_SECRET: optionalText,
  SLACK_APP_TOKEN: optionalText,
  SLACK_API_URL: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const url = v === undefined || v.trim() === '' ? 'https://slack.com/api/' : v.trim();
      if (!/^https?:\/\/[^\s/]+/.test(url)) {
        ctx.addIssue({ code: 'custom', message: 'must be an http(s) URL such as https://slack.com/api/' });
        return z.NEVER;
      }
      return url.endsWith('/') ? url : `${url}/`;
    }),

  // Where support staff work tickets (either or both; also settable in chat).
  SLACK_SUPPORT_CHANNEL: optionalText.pipe(z.string().regex(/^[CG][A-Z0-9]{4,}$/, 'must be a Slack channel id such as C0123456789 (not a #name)').optional()),
  TEAMS_SUPPORT_CHANNEL: optionalText,
  TEAMS_SERVICE_URL: optionalText.pipe(z.string().url('must be the https URL Teams uses for the tenant, e.g. https://smba.trafficmanager.net/emea/').optional()),
}).superRefine((e, ctx) => {
  if (e.TEAMS_SUPPORT_CHANNEL && !e.TEAMS_SERVICE_URL)
    ctx.addIssue({ code: 'custom', path: ['TEAMS_SERVICE_URL'], message: 'is required when TEAMS_SUPPORT_CHANNEL is set' });
  if (e.MicrosoftAppId && !e.MicrosoftAppPassword && e.MicrosoftAppType !== 'UserAssignedMSI')
    ctx.addIssue({ code: 'custom', path: ['MicrosoftAppPassword'], message: 'is required when MicrosoftAppId is set (except with MicrosoftAppType=UserAssignedMSI)' });
  if (e.MicrosoftAppType === 'SingleTenant' && e.MicrosoftAppId && !e.MicrosoftAppTenantId)
    ctx.addIssue({ code: 'custom', path: ['MicrosoftAppTenantId'], message: 'is required when MicrosoftAppType is SingleTenant' });
  if (e.MicrosoftAppPassword && !e.MicrosoftAppId)
    ctx.addIssue({ code: 'custom', path: ['MicrosoftAppId'], message: 'is required when MicrosoftAppPassword is set' });
  if (Boolean(e.SLACK_BOT_TOKEN) !== Boolean(e.SLACK_SIGNING_SECRET) && !(e.SLACK_BOT_TOKEN && e.SLACK_APP_TOKEN))
    ctx.addIssue({
      code: 'custom',
      path: [e.SLACK_BOT_TOKEN ? 'SLACK_SIGNING_SECRET' : 'SLACK_BOT_TOKEN'],
      message: 'Slack needs both SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (or SLACK_BOT_TOKEN with SLACK_APP_TOKEN for Socket Mode)',
    });
  if (e.SLACK_APP_TOKEN && !e.SLACK_BOT_TOKEN)
    ctx.addIssue({ code: 'custom', path: ['SLACK_BOT_TOKEN'], message: 'is required when SLACK_APP_TOKEN is set' });
  if (e.SLACK_BOT_TOKEN && !e.SLACK_BOT_TOKEN.startsWith('xoxb-'))
    ctx.addIssue({ code: 'custom', path: ['SLACK_BOT_TOKEN'], message: 'must be a bot token starting with xoxb-' });
  if (e.SLACK_APP_TOKEN && !e.SLACK_APP_TOKEN.startsWith('xapp-'))
    ctx.addIssue({ code: 'custom', path: ['SLACK_APP_TOKEN'], message: 'must be an app-level token starting with xapp-' });
});

export type Config = Readonly<{
  port: number;
  host?: string;
  databaseUrl: string;
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
  webChatEnabled: boolean;
  /** Always present: without an app id the Teams endpoint runs in local (unauthenticated) mode. */
  teams: TeamsConfig;
  /** Absent when Slack is not configured. */
  slack?: SlackConfig;
  /** Support channels from the environment; staff can also set one in chat. */
  support: Readonly<{
    slack?: { channel: 'slack'; conversationId: string };
    teams?: { channel: 'teams'; conversationId: string; serviceUrl: string };
  }>;
}>;

export type TeamsConfig = Readonly<{
  appId?: string;
  appPassword?: string;
  appType: 'MultiTenant' | 'SingleTenant' | 'UserAssignedMSI';
  tenantId?: string;
}>;

export type SlackConfig = Readonly<{
  botToken: string;
  /** Absent only in Socket Mode. */
  signingSecret?: string;
  /** Set: Socket Mode instead of the HTTP endpoint. */
  appToken?: string;
  apiUrl: string;
}>;

/** Values that must never appear in an error message. */
const SECRET_KEYS = /PASSWORD|SECRET|TOKEN|DATABASE_URL/i;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const key = String(issue.path[0] ?? '');
      const value = env[key];
      const shown = value === undefined || SECRET_KEYS.test(key) ? '' : ` (got ${JSON.stringify(value)})`;
      return `  ${key}: ${issue.message}${shown}`;
    });
    throw new BotError('CONFIG_INVALID', `Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return Object.freeze({
    port: e.PORT,
    ...(e.HOST ? { host: e.HOST } : {}),
    databaseUrl: e.DATABASE_URL,
    logLevel: e.LOG_LEVEL,
    webChatEnabled: e.WEB_CHAT_ENABLED,
    teams: Object.freeze({
      ...(e.MicrosoftAppId ? { appId: e.MicrosoftAppId } : {}),
      ...(e.MicrosoftAppPassword ? { appPassword: e.MicrosoftAppPassword } : {}),
      appType: e.MicrosoftAppType,
      ...(e.MicrosoftAppTenantId ? { tenantId: e.MicrosoftAppTenantId } : {}),
    }),
    ...(e.SLACK_BOT_TOKEN
      ? {
          slack: Object.freeze({
            botToken: e.SLACK_BOT_TOKEN,
            ...(e.SLACK_SIGNING_SECRET ? { signingSecret: e.SLACK_SIGNING_SECRET } : {}),
            ...(e.SLACK_APP_TOKEN ? { appToken: e.SLACK_APP_TOKEN } : {}),
            apiUrl: e.SLACK_API_URL,
          }),
        }
      : {}),
    support: Object.freeze({
      ...(e.SLACK_SUPPORT_CHANNEL ? { slack: { channel: 'slack' as const, conversationId: e.SLACK_SUPPORT_CHANNEL } } : {}),
      ...(e.TEAMS_SUPPORT_CHANNEL && e.TEAMS_SERVICE_URL
        ? { teams: { channel: 'teams' as const, conversationId: e.TEAMS_SUPPORT_CHANNEL, serviceUrl: e.TEAMS_SERVICE_URL } }
        : {}),
    }),
  });
}
