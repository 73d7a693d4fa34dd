import { loadConfig } from '../src/config';

describe('configuration from environment variables', () => {
  it('has working defaults', () => {
    expect(loadConfig({})).toEqual({
      port: 3978,
      databaseUrl: 'sqlite:./data/helpdesk.db',
      logLevel: 'info',
      webChatEnabled: true,
      teams: { appType: 'MultiTenant' },
      support: {},
    });
  });

  it('reads every setting', () => {
    expect(
      loadConfig({ PORT: '8080', HOST: '127.0.0.1', DATABASE_URL: 'postgres://bot@db:5432/helpdesk', LOG_LEVEL: 'debug', WEB_CHAT_ENABLED: 'off' }),
    ).toEqual({
      port: 8080,
      host: '127.0.0.1',
      databaseUrl: 'postgres://bot@db:5432/helpdesk',
      logLevel: 'debug',
      webChatEnabled: false,
      teams: { appType: 'MultiTenant' },
      support: {},
    });
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

  it('reads the Teams settings and checks they fit together', () => {
    expect(
      loadConfig({ MicrosoftAppId: 'app-1', MicrosoftAppPassword: 's3cret', MicrosoftAppType: 'SingleTenant', MicrosoftAppTenantId: 'tenant-1' }).teams,
    ).toEqual({ appId: 'app-1', appPassword: 's3cret', appType: 'SingleTenant', tenantId: 'tenant-1' });
    expect(loadConfig({ MicrosoftAppId: 'app-1', MicrosoftAppType: 'UserAssignedMSI', MicrosoftAppTenantId: 't' }).teams.appType).toBe('UserAssignedMSI');
    expect(() => loadConfig({ MicrosoftAppId: 'app-1' })).toThrow(/MicrosoftAppPassword: is required when MicrosoftAppId is set/);
    expect(() => loadConfig({ MicrosoftAppId: 'a', MicrosoftAppPassword: 'p', MicrosoftAppType: 'SingleTenant' })).toThrow(/MicrosoftAppTenantId: is required/);
    expect(() => loadConfig({ MicrosoftAppType: 'Personal' })).toThrow(/MicrosoftAppType: must be MultiTenant, SingleTenant or UserAssignedMSI/);
  });

  it('turns Slack on only with a complete set of settings, never echoing a secret', () => {
    expect(loadConfig({}).slack).toBeUndefined();
    expect(loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'sig' }).slack).toEqual({
      botToken: 'xoxb-1',
      signingSecret: 'sig',
      apiUrl: 'https://slack.com/api/',
    });
    expect(loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1', SLACK_API_URL: 'http://127.0.0.1:9000/api' }).slack).toEqual({
      botToken: 'xoxb-1',
      appToken: 'xapp-1',
      apiUrl: 'http://127.0.0.1:9000/api/',
    });
    expect(() => loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1' })).toThrow(/SLACK_SIGNING_SECRET: Slack needs both/);
    expect(() => loadConfig({ SLACK_SIGNING_SECRET: 'sig' })).toThrow(/SLACK_BOT_TOKEN: Slack needs both/);
    let message = '';
    try {
      loadConfig({ SLACK_BOT_TOKEN: 'xoxp-user-token-123', SLACK_SIGNING_SECRET: 'sig' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/SLACK_BOT_TOKEN: must be a bot token starting with xoxb-/);
    expect(message).not.toContain('xoxp-user-token-123');
  });

  it('reads the support channels', () => {
    expect(loadConfig({ SLACK_SUPPORT_CHANNEL: 'C0123ABCD', TEAMS_SUPPORT_CHANNEL: '19:abc@thread.tacv2', TEAMS_SERVICE_URL: 'https://smba.trafficmanager.net/emea/' }).support).toEqual({
      slack: { channel: 'slack', conversationId: 'C0123ABCD' },
      teams: { channel: 'teams', conversationId: '19:abc@thread.tacv2', serviceUrl: 'https://smba.trafficmanager.net/emea/' },
    });
    expect(() => loadConfig({ SLACK_SUPPORT_CHANNEL: '#it-support' })).toThrow(/SLACK_SUPPORT_CHANNEL: must be a Slack channel id such as C0123456789/);
    expect(() => loadConfig({ TEAMS_SUPPORT_CHANNEL: '19:abc@thread.tacv2' })).toThrow(/TEAMS_SERVICE_URL: is required when TEAMS_SUPPORT_CHANNEL is set/);
  });
});
