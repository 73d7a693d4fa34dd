/**
 * What support staff may type to the bot in a channel (after the @mention is stripped):
 * "use this channel for tickets", "stop using this channel for tickets" (said in the support
 * channel, so tickets can move elsewhere) and "triage" (start a triage for the thread's original poster).
 */
export type StaffCommand = 'use-channel' | 'release-channel' | 'triage';

const normalize = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9 ]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

const USE_CHANNEL = /^(please )?(use|make|set) (this|here|this channel)( channel)? (as the |as |for )?(support channel|tickets?|helpdesk tickets?|support tickets?)( channel)?$/;
const RELEASE_CHANNEL = /^(please )?(stop using|do not use|don t use|release) (this|here|this channel)( channel)?( as the support channel| for (support |helpdesk )?tickets?)?$/;
const TRIAGE = /^(please )?(triage|triage this|start triage|triage (this )?thread)$/;

export function parseStaffCommand(text: string): StaffCommand | undefined {
  const t = normalize(text);
  if (USE_CHANNEL.test(t)) return 'use-channel';
  if (RELEASE_CHANNEL.test(t)) return 'release-channel';
  if (TRIAGE.test(t)) return 'triage';
  return undefined;
}
