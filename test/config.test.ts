import { loadConfig } from '../src/config';

describe('configuration from environment variables', () => {
  it('has working defaults', () => {
    expect(loadConfig({})).toEqual({ port: 3978, databaseUrl: 'sqlite:./data/helpdesk.db', logLevel: 'info', webChatEnabled: true });
  });

  it('reads every setting', () => {
    expect(
      loadConfig({ PORT: '8080', HOST: '127.0.0.1', DATABASE_URL: 'postgres://bot@db:5432/helpdesk', LOG_LEVEL: 'debug', WEB_CHAT_ENABLED: 'off' }),
    ).toEqual({ port: 8080, host: '127.0.0.1', databaseUrl: 'postgres://bot@db:5432/helpdesk', logLevel: 'debug', webChatEnabled: false });
  });

  it('reports one clear message per bad value', () => {
    let message = '';
    try {
      loadConfig({ PORT: 'eighty', LOG_LEVEL: 'loud', WEB_CHAT_ENABLED: 'maybe', DATABASE_URL: 'mysql://root:hunter2@db/x' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message.split('\n')).toEqual([
      'Invalid configuration:',
      '  PORT: must be a whole number from 1 to 65535 (got "eighty")',
      expect.stringMatching(/^ {2}DATABASE_URL: must start with sqlite: .* or postgres:\/\/.*$/),
      '  LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent (got "loud")',
      '  WEB_CHAT_ENABLED: must be true or false (got "maybe")',
    ]);
    expect(message).not.toContain('hunter2');
  });

  it.each(['0', '65536', '-1', '3978.5', '12ab'])('refuses PORT=%s', (port) => {
    expect(() => loadConfig({ PORT: port })).toThrow(/PORT: must be a whole number/);
  });

  it('accepts sqlite paths and postgres URLs only', () => {
    expect(loadConfig({ DATABASE_URL: 'sqlite:/var/lib/helpdesk/bot.db' }).databaseUrl).toBe('sqlite:/var/lib/helpdesk/bot.db');
    expect(loadConfig({ DATABASE_URL: 'postgresql://u@h/d' }).databaseUrl).toBe('postgresql://u@h/d');
    expect(() => loadConfig({ DATABASE_URL: 'sqlite:' })).toThrow(/DATABASE_URL: sqlite: needs a file path/);
  });
});
