/** The Slack app manifest matches the adapter: the events it handles and the scopes its calls need. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { EVENT_SCOPES, SLACK_EVENTS_PATH } from '../../../src/adapters/slack/slack-channel';
import { TICKET_SHORTCUT } from '../../../src/adapters/slack/staff-desk';
import { API_SCOPES } from '../../../src/adapters/slack/web-api';

const manifest = parse(readFileSync(path.join(__dirname, '..', '..', '..', 'manifest', 'slack', 'manifest.yaml'), 'utf8'));

describe('Slack app manifest', () => {
  it('subscribes to exactly the events the adapter handles', () => {
    expect([...manifest.settings.event_subscriptions.bot_events].sort()).toEqual(Object.keys(EVENT_SCOPES).sort());
  });

  it('asks for exactly the bot scopes those events and the Web API calls need (least privilege)', () => {
    const needed = new Set<string>([...Object.values(EVENT_SCOPES).flat(), ...Object.values(API_SCOPES).flat()]);
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual([...needed].sort());
  });

  it('sends events and interactivity to /slack/events, and lets people DM the bot and open its Home tab', () => {
    expect(new URL(manifest.settings.event_subscriptions.request_url).pathname).toBe(SLACK_EVENTS_PATH);
    expect(manifest.settings.interactivity).toMatchObject({ is_enabled: true });
    expect(new URL(manifest.settings.interactivity.request_url).pathname).toBe(SLACK_EVENTS_PATH);
    expect(manifest.features.app_home).toEqual({ home_tab_enabled: true, messages_tab_enabled: true, messages_tab_read_only_enabled: false });
    expect(manifest.features.bot_user.display_name).toBeTruthy();
    expect(manifest._metadata).toEqual({ major_version: 1, minor_version: 1 });
  });
});

describe('Slack app manifest: support staff', () => {
  it('offers the "Create helpdesk ticket" message shortcut the adapter listens for', () => {
    expect(manifest.features.shortcuts).toEqual([expect.objectContaining({ type: 'message', callback_id: TICKET_SHORTCUT, name: 'Create helpdesk ticket' })]);
    expect(manifest.features.shortcuts[0].description.length).toBeLessThanOrEqual(150);
  });
});
