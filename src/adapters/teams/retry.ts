/**
 * Retries for calls to the Teams (Bot Connector) API.
 *
 * The connector client in botframework-connector 4.23 runs on @azure/core-rest-pipeline, whose
 * default retry policy already retries, up to 3 times: a 429 or 503 that carries Retry-After
 * (waiting that long), and 5xx/408 responses and network errors (exponential backoff from 1 s).
 * Retrying those again here would multiply the attempts. What it does not retry is a 429
 * without Retry-After, which Teams' rate limiter can send ("retry with exponential backoff",
 * Teams rate-limit guidance), or a 429 still refused after its own retries. This does, with
 * capped exponential backoff, honouring Retry-After when there is one.
 */
export interface RetryPolicy {
  /** Attempts in all, the first one included. */
  readonly attempts: number;
  readonly baseDelayMs: number;
  /** No single wait is longer, whatever Retry-After says. */
  readonly maxDelayMs: number;
}

export const TEAMS_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 1_000, maxDelayMs: 10_000 };

export class TeamsApiError extends Error {
  readonly code = 'TEAMS_API_FAILED';
  constructor(
    readonly status: number | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TeamsApiError';
  }
}

interface HttpLikeError {
  readonly statusCode?: number;
  readonly response?: { readonly headers?: { get?(name: string): string | undefined } | Record<string, string | undefined> };
}

export function statusOf(err: unknown): number | undefined {
  const status = (err as HttpLikeError | undefined)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** Retry-After in milliseconds (seconds or an HTTP date), or undefined. */
export function retryAfterMs(err: unknown, now = Date.now()): number | undefined {
  const headers = (err as HttpLikeError | undefined)?.response?.headers;
  if (!headers) return undefined;
  const raw = typeof headers.get === 'function' ? headers.get('retry-after') : (headers as Record<string, string | undefined>)['retry-after'];
  if (typeof raw !== 'string' || raw.trim() === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(raw.trim())) return Number(raw) * 1000;
  const date = Date.parse(raw);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

/** The wait before retry number `retry` (1-based): Retry-After if given, else exponential; both capped. */
export function backoffDelay(retry: number, retryAfter: number | undefined, policy: RetryPolicy = TEAMS_RETRY): number {
  const wanted = retryAfter ?? policy.baseDelayMs * 2 ** (retry - 1);
  return Math.min(Math.max(0, wanted), policy.maxDelayMs);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs a Teams API call, retrying while Teams answers 429. Any other failure, or a 429 after the
 * last attempt, is thrown as a TeamsApiError carrying the HTTP status.
 */
export async function withTeamsRetry<T>(
  call: () => Promise<T>,
  onRetry: (info: { retry: number; status: number; delayMs: number }) => void = () => undefined,
  policy: RetryPolicy = TEAMS_RETRY,
  wait: (ms: number) => Promise<void> = sleep,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      const status = statusOf(err);
      if (status === 429 && attempt < policy.attempts) {
        const delayMs = backoffDelay(attempt, retryAfterMs(err), policy);
        onRetry({ retry: attempt, status, delayMs });
        await wait(delayMs);
        continue;
      }
      const detail = err instanceof Error ? err.message : String(err);
      throw new TeamsApiError(status, `Teams API call failed${status ? ` with HTTP ${status}` : ''}: ${detail}`, { cause: err });
    }
  }
}
