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
});

export type Config = Readonly<{
  port: number;
  host?: string;
  databaseUrl: string;
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
  webChatEnabled: boolean;
}>;

/** Values that must never appear in an error message. */
const SECRET_KEYS = /PASSWORD|SECRET|TOKEN|DATABASE_URL/;

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
  });
}
