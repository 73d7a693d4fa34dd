/** Teams activities → Inbound, and which click counts as an answer (pure). */
import type { Activity } from 'botbuilder';
import { answeredQuestion } from '../../../src/adapters/teams/answered';
import { baseConversationId, conversationRefOf, htmlToText, mentionsBot, parseMessage, threadRootOf } from '../../../src/adapters/teams/inbound';
import type { TranscriptEntry } from '../../../src/bot/ports';
import { channelMention, personalMessage, submit } from './teams-helpers';

const activity = (a: Record<string, unknown>) => a as unknown as Activity;

describe('conversation reference', () => {
  it('is the chat for a personal chat, with the Entra id as the user and the serviceUrl to reach it later', () => {
    expect(conversationRefOf(activity(personalMessage('hi')))).toEqual({
      channel: 'teams',
      conversationId: 'a:personal-1',
      user: { id: '6f1c0c1e-0000-4000-8000-000000000001', name: 'Pat Example' },
      serviceUrl: 'https://smba.trafficmanager.net/amer/',
    });
  });

  it('is the channel plus the thread for a channel message', () => {
    const ref = conversationRefOf(activity(channelMention('hi', '1700000000900')));
    expect(ref.conversationId).toBe('19:support-chan@thread.tacv2');
    expect(ref.threadId).toBe('1700000000900');
  });

  it('falls back to the channel account id without an Entra id (Emulator, Playground)', () => {
    expect(conversationRefOf(activity({ ...personalMessage('hi'), from: { id: 'user-1' } })).user).toEqual({ id: 'user-1' });
  });
});

describe('parseMessage', () => {
  it('removes the bot mention from channel text', () => {
    const parsed = parseMessage(activity(channelMention('my wifi is down', '1')));
    expect(parsed).toMatchObject({ kind: 'inbound', inbound: { kind: 'text', text: 'my wifi is down' } });
  });

  it('keeps text that mentions someone else', () => {
    const a = { ...personalMessage('<at>Sam</at> look'), entities: [{ type: 'mention', mentioned: { id: '29:sam' }, text: '<at>Sam</at>' }] };
    expect(parseMessage(activity(a))).toMatchObject({ inbound: { kind: 'text', text: '<at>Sam</at> look' } });
  });

  it('reads a card submit as a choice, a ticket button as a ticket submit, and anything else in value as foreign', () => {
    expect(parseMessage(activity(submit({ nodeId: 'wf-where', optionId: 'home' }, 'card-1')))).toMatchObject({
      kind: 'inbound',
      inbound: { kind: 'choice', nodeId: 'wf-where', optionId: 'home' },
    });
    expect(parseMessage(activity(submit({ ticketAction: 'assign', ticketId: 'HD-1' }, 'card-1')))).toMatchObject({
      kind: 'ticket-submit',
      submit: { ticketAction: 'assign', ticketId: 'HD-1' },
    });
    expect(parseMessage(activity(submit({ ticketAction: 'delete', ticketId: 'HD-1' }, 'card-1')))).toEqual({ kind: 'foreign-submit' });
    expect(parseMessage(activity(submit({ something: 'else' }, 'card-1')))).toEqual({ kind: 'foreign-submit' });
  });

  it('treats a message without text as empty text', () => {
    expect(parseMessage(activity({ ...personalMessage(''), text: undefined }))).toMatchObject({ inbound: { kind: 'text', text: '' } });
  });
});

describe('channel helpers', () => {
  it('splits a channel conversation id into the channel and the thread root', () => {
    const a = channelMention('hi', '1700000000900');
    expect(baseConversationId(activity(a))).toBe('19:support-chan@thread.tacv2');
    expect(threadRootOf(activity(a))).toBe('1700000000900');
    expect(baseConversationId({ conversation: { id: 'a:personal-1' } } as Activity)).toBe('a:personal-1');
    expect(threadRootOf({ conversation: { id: 'a:personal-1' } } as Activity)).toBeUndefined();
  });

  it('tells a message that @mentions the bot from one that mentions someone else', () => {
    expect(mentionsBot(activity(channelMention('hi', '1')))).toBe(true);
    const other = { ...channelMention('hi', '1'), entities: [{ type: 'mention', mentioned: { id: '29:sam' }, text: '<at>Sam</at>' }] };
    expect(mentionsBot(activity(other))).toBe(false);
    expect(mentionsBot(activity(personalMessage('hi')))).toBe(false);
  });

  it('turns a Teams message body into plain text', () => {
    expect(htmlToText('<div><p>Outlook &amp; Teams<br>crash</p><p>since &quot;Monday&quot;&nbsp;&#8211; <b>help</b></p></div>')).toBe('Outlook & Teams\ncrash\nsince "Monday" – help');
    expect(htmlToText('<script>x</script>&lt;b&gt; &bogus; &#0;')).toBe('x<b> &bogus; &#0;');
  });
});

describe('answeredQuestion', () => {
  const at = '2026-01-01T00:00:00Z';
  const asked = (nodeId: string): TranscriptEntry => ({
    at,
    episode: 1,
    actor: 'bot',
    reply: { kind: 'question', nodeId, text: `Question ${nodeId}?`, options: [{ id: 'a', label: 'Answer A' }] },
  });
  const clicked = (nodeId: string, optionId = 'a'): TranscriptEntry => ({ at, episode: 1, actor: 'user', input: { kind: 'choice', nodeId, optionId } });
  const said = (text: string): TranscriptEntry => ({ at, episode: 1, actor: 'bot', reply: { kind: 'text', text } });

  it('is the last question asked before the click, with the chosen option', () => {
    expect(answeredQuestion([asked('q1'), clicked('q1'), asked('q2')], { nodeId: 'q1', optionId: 'a' })).toEqual({ question: 'Question q1?', answer: 'Answer A' });
  });

  it('is nothing for a click on an older question', () => {
    const transcript = [asked('q1'), clicked('q1'), asked('q2'), clicked('q1'), said('That button belongs to an earlier question.'), asked('q2')];
    expect(answeredQuestion(transcript, { nodeId: 'q1', optionId: 'a' })).toBeUndefined();
  });

  it('is nothing for an option the question does not have', () => {
    expect(answeredQuestion([asked('q1'), clicked('q1', 'zzz'), asked('q1')], { nodeId: 'q1', optionId: 'zzz' })).toBeUndefined();
  });

  it('is nothing when the bot said something else last, or nothing was asked', () => {
    expect(answeredQuestion([asked('q1'), said('Here are your tickets'), clicked('q1')], { nodeId: 'q1', optionId: 'a' })).toBeUndefined();
    expect(answeredQuestion([clicked('q1')], { nodeId: 'q1', optionId: 'a' })).toBeUndefined();
    expect(answeredQuestion([], { nodeId: 'q1', optionId: 'a' })).toBeUndefined();
  });
});
