/** Backoff for Teams API calls (no real waiting: the wait function is recorded). */
import { backoffDelay, retryAfterMs, TeamsApiError, withTeamsRetry, type RetryPolicy } from '../../../src/adapters/teams/retry';

const policy: RetryPolicy = { attempts: 4, baseDelayMs: 1000, maxDelayMs: 10_000 };
const httpError = (statusCode: number, headers: Record<string, string> = {}) =>
  Object.assign(new Error(`HTTP ${statusCode}`), { statusCode, response: { headers: { get: (name: string) => headers[name.toLowerCase()] } } });

it('waits Retry-After when given, else doubles from the base, never past the cap', () => {
  expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, undefined, policy))).toEqual([1000, 2000, 4000, 8000, 10_000]);
  expect(backoffDelay(1, 3000, policy)).toBe(3000);
  expect(backoffDelay(1, 120_000, policy)).toBe(10_000);
});

it('reads Retry-After as seconds or as an HTTP date', () => {
  expect(retryAfterMs(httpError(429, { 'retry-after': '2' }))).toBe(2000);
  const now = Date.parse('2026-01-01T00:00:00Z');
  expect(retryAfterMs(httpError(429, { 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' }), now)).toBe(5000);
  expect(retryAfterMs(httpError(429))).toBeUndefined();
  expect(retryAfterMs(new Error('no response'))).toBeUndefined();
});

it('retries a 429 with backoff until the call succeeds', async () => {
  const waits: number[] = [];
  let calls = 0;
  const result = await withTeamsRetry(
    async () => {
      calls++;
      if (calls === 1) throw httpError(429, { 'retry-after': '1' });
      if (calls === 2) throw httpError(429);
      return 'sent';
    },
    undefined,
    policy,
    async (ms) => {
      waits.push(ms);
    },
  );
  expect(result).toBe('sent');
  expect(waits).toEqual([1000, 2000]);
});

it('gives up after the last attempt with a coded error carrying the status', async () => {
  const waits: number[] = [];
  const err = await withTeamsRetry(
    () => Promise.reject(httpError(429)),
    undefined,
    policy,
    async (ms) => {
      waits.push(ms);
    },
  ).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(TeamsApiError);
  expect((err as TeamsApiError).code).toBe('TEAMS_API_FAILED');
  expect((err as TeamsApiError).status).toBe(429);
  expect(waits).toEqual([1000, 2000, 4000]);
});

it('does not retry other failures (the connector client already retried 5xx)', async () => {
  let calls = 0;
  const err = await withTeamsRetry(() => {
    calls++;
    return Promise.reject(httpError(503));
  }).catch((e: unknown) => e);
  expect(calls).toBe(1);
  expect((err as TeamsApiError).status).toBe(503);
});
