import { choiceClick, directMessage, isPersonTyping, MAX_TEXT_LENGTH, mention, plainText } from '../../../src/adapters/slack/inbound';
import { dedupeKey } from '../../../src/adapters/slack/slack-channel';

const bot = { botUserId: 'UBOT', botId: 'BBOT' };
const dm = { type: 'message', channel: 'D1', channel_type: 'im', user: 'U1', text: 'hello', ts: '1.1' };

describe('Slack inbound', () => {
  it('reduces Slack markup to plain text and drops the bot’s own mention', () => {
    expect(plainText('<@UBOT> my <@UBOT|helpdesk> outlook &amp; teams &lt;3', 'UBOT')).toBe('my outlook & teams <3');
    expect(plainText('ask <@U2> in <#C1|general> about <https://x.example/a|the doc> or <https://y.example> <!here>', 'UBOT')).toBe(
      'ask @U2 in #general about the doc or https://y.example @here',
    );
    expect(plainText('x'.repeat(MAX_TEXT_LENGTH + 10), 'UBOT')).toHaveLength(MAX_TEXT_LENGTH);
  });

  it('takes only a person typing: not the bot itself, other bots, edits or joins', () => {
    expect(isPersonTyping(dm, bot)).toBe(true);
    expect(isPersonTyping({ ...dm, subtype: 'file_share' }, bot)).toBe(true);
    expect(isPersonTyping({ ...dm, subtype: 'thread_broadcast' }, bot)).toBe(true);
    expect(isPersonTyping({ ...dm, user: 'UBOT' }, bot)).toBe(false);
    expect(isPersonTyping({ ...dm, bot_id: 'BOTHER' }, bot)).toBe(false);
    for (const subtype of ['message_changed', 'message_deleted', 'channel_join', 'bot_message']) expect(isPersonTyping({ ...dm, subtype }, bot)).toBe(false);
  });

  it('keeps a DM one conversation, answering in the thread the user typed in', () => {
    expect(directMessage(dm, bot)).toEqual({
      inbound: { kind: 'text', ref: { channel: 'slack', conversationId: 'D1', user: { id: 'U1' } }, text: 'hello' },
      place: { channel: 'D1' },
    });
    expect(directMessage({ ...dm, thread_ts: '0.9' }, bot)?.place).toEqual({ channel: 'D1', threadTs: '0.9' });
    expect(directMessage({ ...dm, thread_ts: '0.9' }, bot)?.inbound.ref.threadId).toBeUndefined();
    expect(directMessage({ ...dm, channel_type: 'channel' }, bot)).toBeUndefined();
  });

  it('makes a channel mention a conversation in its thread, keyed by the thread root', () => {
    const event = { type: 'app_mention', channel: 'C1', user: 'U1', text: '<@UBOT> help', ts: '2.2' };
    expect(mention(event, bot)).toEqual({
      inbound: { kind: 'text', ref: { channel: 'slack', conversationId: 'C1', threadId: '2.2', user: { id: 'U1' } }, text: 'help' },
      place: { channel: 'C1', threadTs: '2.2' },
    });
    const followUp = mention({ ...event, ts: '2.5', thread_ts: '2.2', user: 'U2' }, bot);
    expect(followUp?.inbound.ref).toEqual({ channel: 'slack', conversationId: 'C1', threadId: '2.2', user: { id: 'U2' } });
    expect(followUp?.place).toEqual({ channel: 'C1', threadTs: '2.2' });
  });

  it('turns a click on an answer button into a choice, and ignores buttons it did not render', () => {
    const body = {
      type: 'block_actions',
      user: { id: 'U1' },
      channel: { id: 'C1' },
      message: { ts: '3.3', thread_ts: '2.2', blocks: [] },
      actions: [{ type: 'button', action_id: 'triage.choice:0:home', value: '{"n":"wf-where","o":"home","t":"2.2"}', text: { text: 'At home' }, action_ts: '9.9' }],
    };
    expect(choiceClick(body)).toEqual({
      inbound: { kind: 'choice', ref: { channel: 'slack', conversationId: 'C1', threadId: '2.2', user: { id: 'U1' } }, nodeId: 'wf-where', optionId: 'home' },
      place: { channel: 'C1', threadTs: '2.2' },
      messageTs: '3.3',
      label: 'At home',
    });
    expect(choiceClick({ ...body, actions: [{ ...body.actions[0]!, value: 'HD-1001' }] })).toBeUndefined();
    expect(choiceClick({ ...body, channel: undefined })).toBeUndefined();
  });

  it('dedupes events by event_id and clicks by user and action_ts', () => {
    expect(dedupeKey({ type: 'event_callback', event_id: 'Ev1' })).toBe('Ev1');
    expect(dedupeKey({ type: 'block_actions', user: { id: 'U1' }, actions: [{ action_ts: '9.9' }] })).toBe('block_actions:U1:9.9');
    expect(dedupeKey({ type: 'url_verification' })).toBeUndefined();
  });
});
