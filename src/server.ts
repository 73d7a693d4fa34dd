/**
 * The HTTP server (restify): health check plus the routes each channel adapter registers.
 * Body parsing is per route, because the Slack route needs the raw body for its signature.
 */
import type { AddressInfo } from 'node:net';
import restify from 'restify';
import type { Logger, Storage } from './bot/ports';

export interface HttpServer {
  readonly server: restify.Server;
  listen(port: number, host?: string): Promise<AddressInfo>;
  /** Stops accepting connections; in-flight requests finish. */
  stopAccepting(): Promise<void>;
  /** /healthz answers 503 from now on (during shutdown). */
  markStopping(): void;
}

export function createHttpServer(deps: { logger: Logger; storage: Storage; flowCount: number }): HttpServer {
  const server = restify.createServer({ name: 'helpdesk-triage-bot', handleUncaughtExceptions: false });
  let stopping = false;

  server.get('/healthz', async (_req, res) => {
    let body: object;
    let status = 200;
    if (stopping) {
      status = 503;
      body = { status: 'stopping' };
    } else {
      try {
        await deps.storage.ping();
        body = { status: 'ok', storage: deps.storage.backend, flows: deps.flowCount };
      } catch {
        status = 503;
        body = { status: 'unavailable', storage: deps.storage.backend };
      }
    }
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  });

  // One access log line per request: method, route, status and time; never bodies or headers.
  server.on('after', (req: restify.Request, res: restify.Response) => {
    if (req.path() === '/healthz') return;
    deps.logger.info({ method: req.method, path: req.path(), status: res.statusCode, ms: Math.round(Date.now() - req.time()) }, 'request');
  });

  server.on('restifyError', (req: restify.Request, _res: restify.Response, err: Error & { statusCode?: number }, callback: () => void) => {
    if ((err.statusCode ?? 500) >= 500) deps.logger.error({ err, method: req.method, path: req.path() }, 'request failed');
    callback();
  });

  return {
    server,
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        const done = () => {
          server.removeListener('error', reject);
          resolve(server.address());
        };
        if (host) server.listen(port, host, done);
        else server.listen(port, done);
      }),
    stopAccepting: () =>
      new Promise((resolve) => {
        server.server.closeIdleConnections?.();
        server.close(() => resolve());
      }),
    markStopping: () => {
      stopping = true;
    },
  };
}
