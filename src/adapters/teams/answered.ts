/**
 * Which question a card click answered, read from the conversation's transcript after the turn:
 * a click counts as an answer only if it answers the last question the bot asked before it,
 * with one of that question's options. A click on an older card (the engine re-asks the open
 * question instead) or with an unknown option is not an answer, so its card is left alone
 * rather than showing an answer that was never taken.
 */
import type { ReplyOption } from '../../bot/messages';
import type { TranscriptEntry } from '../../bot/ports';

export interface AnsweredQuestion {
  readonly question: string;
  readonly answer: string;
}

export function answeredQuestion(
  transcript: readonly TranscriptEntry[],
  choice: { readonly nodeId: string; readonly optionId: string },
): AnsweredQuestion | undefined {
  // The last user entry is this turn's click; the bot's last reply before it was the open question.
  let i = transcript.length - 1;
  while (i >= 0 && transcript[i]!.actor !== 'user') i--;
  const click = transcript[i];
  if (!click || click.actor !== 'user' || click.input.kind !== 'choice' || click.input.nodeId !== choice.nodeId) return undefined;
  for (let j = i - 1; j >= 0; j--) {
    const entry = transcript[j]!;
    if (entry.actor === 'user') return undefined;
    if (entry.reply.kind === 'question') {
      if (entry.reply.nodeId !== choice.nodeId) return undefined;
      const option: ReplyOption | undefined = entry.reply.options.find((o) => o.id === choice.optionId);
      return option ? { question: entry.reply.text, answer: option.label } : undefined;
    }
    // Only the very last reply of the previous turn can be the open question.
    return undefined;
  }
  return undefined;
}
