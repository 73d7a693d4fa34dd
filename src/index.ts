/** Process entry point (`npm start`): configuration, startup errors, signals. */
import { createApp } from './app';
import { loadConfig } from './config';
import { createLogger } from './logger';
import { FlowCatalogueError } from './flows/catalogue';
import { BotError } from './bot/errors';

const SHUTDOWN_DEADLINE_MS = 9_000;

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    console.error(err instanceof BotError ? err.message : err);
    process.exit(1);
  }
  const logger = createLogger(config.logLevel);

  process.on('unhandledRejection', (reason) => logger.error({ err: reason, code: 'INTERNAL' }, 'unhandled promise rejection'));

  let app;
  try {
    app = await createApp(config, logger);
  } catch (err) {
    // Flow problems go to stderr as a readable list too: they are what a flow author needs to fix.
    if (err instanceof FlowCatalogueError) console.error(err.message);
    logger.error({ err, code: err instanceof FlowCatalogueError ? err.code : 'STARTUP_FAILED' }, 'startup failed');
    process.exit(1);
  }
  const address = await app.http.listen(config.port, config.host);
  const shown = config.host && config.host !== '0.0.0.0' && config.host !== '::' ? config.host : 'localhost';
  logger.info({ port: address.port }, `listening: web chat at http://${shown}:${address.port}/`);

  const shutdown = (signal: string) => {
    logger.info({ signal, inFlight: app.engine.busy }, 'shutting down');
    const deadline = setTimeout(() => {
      logger.error({ code: 'SHUTDOWN_TIMEOUT' }, 'turns still running at the shutdown deadline; exiting anyway');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS);
    deadline.unref();
    app.stop().then(
      () => {
        logger.info({}, 'stopped');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

void main();
