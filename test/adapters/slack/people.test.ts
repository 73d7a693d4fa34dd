import { SlackPeople } from '../../../src/adapters/slack/people';
import { SlackApiError } from '../../../src/adapters/slack/web-api';
import { silentLogger } from '../../../src/logger';

describe('Slack display names', () => {
  it('looks a user up once and reuses the name', async () => {
    const asked: string[] = [];
    const people = new SlackPeople({ userName: async (id) => (asked.push(id), id === 'U1' ? 'Pat Example' : undefined) }, silentLogger);
    expect(await people.person('U1')).toEqual({ channel: 'slack', id: 'U1', name: 'Pat Example' });
    expect(await people.person('U1')).toEqual({ channel: 'slack', id: 'U1', name: 'Pat Example' });
    expect(await people.person('U2')).toEqual({ channel: 'slack', id: 'U2' });
    expect(asked).toEqual(['U1', 'U2']);
  });

  it('falls back to the id when users.info fails, and asks again next time', async () => {
    let calls = 0;
    const people = new SlackPeople(
      {
        userName: async () => {
          calls++;
          if (calls === 1) throw new SlackApiError('SLACK_API_ERROR', 'users.info', 'user_not_found', 'users.info failed: user_not_found');
          return 'Kim';
        },
      },
      silentLogger,
    );
    expect(await people.person('U9')).toEqual({ channel: 'slack', id: 'U9' });
    expect(await people.person('U9')).toEqual({ channel: 'slack', id: 'U9', name: 'Kim' });
  });
});
