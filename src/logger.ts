/**
 * JSON logs through pino. At info level the bot logs events (turns, tickets, errors with
 * codes), never message bodies or secrets.
 */
import pino from 'pino';
import type { Logger } from './bot/ports';

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'helpdesk-triage-bot' },
      redact: { paths: ['*.authorization', '*.password', '*.token', '*.secret', 'req.headers.cookie'], censor: '[redacted]' },
    },
    destination,
  );
}

/** A logger that drops everything (tests). */
export const silentLogger: Logger = createLogger('silent');
