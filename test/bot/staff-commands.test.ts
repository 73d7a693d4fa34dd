import { parseStaffCommand } from '../../src/bot/staff-commands';

describe('staff commands', () => {
  it.each(['use this channel for tickets', 'Use this channel for tickets.', 'please use this channel for support tickets', 'set this as the support channel', 'make this channel for tickets'])(
    'recognises "%s" as choosing the support channel',
    (text) => expect(parseStaffCommand(text)).toBe('use-channel'),
  );

  it.each(['stop using this channel for tickets', "Don't use this channel for tickets", 'release this channel'])('recognises "%s" as releasing the support channel', (text) => {
    expect(parseStaffCommand(text)).toBe('release-channel');
  });

  it.each(['triage', 'Triage this', 'start triage', 'triage this thread'])('recognises "%s" as starting a triage', (text) => {
    expect(parseStaffCommand(text)).toBe('triage');
  });

  it.each(['my outlook keeps asking for a password', 'use teams instead', 'tickets', 'this channel is broken', ''])('ignores "%s"', (text) => {
    expect(parseStaffCommand(text)).toBeUndefined();
  });
});
