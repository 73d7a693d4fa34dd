/** Errors with stable codes. User input problems are never errors: the bot re-asks instead. */

export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'FLOWS_INVALID'
  | 'STORAGE_UNAVAILABLE'
  | 'CONCURRENT_UPDATE'
  | 'BAD_REQUEST'
  | 'INTERNAL';

export class BotError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'BotError';
  }
}

export function asBotError(err: unknown): BotError {
  if (err instanceof BotError) return err;
  return new BotError('INTERNAL', err instanceof Error ? err.message : String(err), { cause: err });
}
