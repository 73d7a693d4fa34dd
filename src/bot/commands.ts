/** Recognises the conversation commands a user may type at any time. */
import type { Command } from './messages';

const normalize = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9' ]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

const POLITE = /^(please |pls |can i |could i |i want to |i would like to |i'd like to |i need to |let me |just )+/;

const RESTART = new Set(['restart', 'start over', 'start again', 'reset', 'begin again', 'new problem', 'cancel']);
const HELP = new Set(['help', 'help me', 'what can you do', 'commands', 'menu', 'options']);
const TICKETS = /^(show |list |see |check )?(my )?(open )?(tickets?|cases?|requests?)( status)?$|^(what is the )?status of my (tickets?|cases?|requests?)$/;
const HUMAN_WORDS = new Set(['human', 'agent', 'escalate', 'person', 'operator', 'support', 'technician', 'someone', 'a human', 'a person', 'an agent', 'real person', 'a real person', 'helpdesk', 'service desk']);
const HUMAN_PHRASE = /\b(talk|speak|chat) (to|with) (someone|somebody|a (real )?(person|human)|an? (agent|technician|engineer)|support|the helpdesk|the service desk|it)\b|\bescalate (this|it|to)\b|\b(get|need) (a|an|some) (real )?(human|person|agent|technician)\b/;

/** Returns the command a message asks for, or undefined for anything else. */
export function parseCommand(text: string): Command | undefined {
  const t = normalize(text);
  if (t === '') return undefined;
  if (RESTART.has(t)) return 'restart';
  if (HELP.has(t) || t === '?') return 'help';
  const core = t.replace(POLITE, '');
  if (TICKETS.test(core) && /\b(my|tickets|cases|requests)\b/.test(core)) return 'tickets';
  if (HUMAN_WORDS.has(core) || HUMAN_WORDS.has(t) || HUMAN_PHRASE.test(t)) return 'human';
  return undefined;
}

const GREETINGS = /^(hi|hello|hey|hiya|yo|good (morning|afternoon|evening)|howdy|greetings|hallo|start|get started)( there)?( bot)?$/;

/** True for a message that only says hello. */
export function isGreeting(text: string): boolean {
  return GREETINGS.test(normalize(text));
}
