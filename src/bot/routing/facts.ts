/**
 * Facts read from a user's first message (the app named, MFA or a smart card mentioned, an error
 * code, only me versus everyone) and the questions they answer in advance, as each flow's
 * `facts` rules declare. Conservative on purpose: a wrong skip is worse than one more question.
 */
import { factMatch, type FactName, type FactRule } from '../../flows/schema';
import type { Analysed } from './text';
import { MANY_PHRASES, MFA_PHRASES, ONLY_ME_PHRASES, PRODUCTS, SMARTCARD_PHRASES, type ProductId } from './vocabulary';

export type Facts = Partial<Record<FactName, string>>;

/** Nouns that make a product name a modifier ("Lync asks for my *Outlook password*"): the app is the other one. */
const MODIFIED = new Set([
  'password', 'passwords', 'credentials', 'credential', 'contacts', 'contact', 'calendar', 'mailbox', 'mail', 'email', 'emails', 'meeting',
  'meetings', 'account', 'profile', 'folder', 'addin', 'add', 'plugin', 'history', 'voicemail', 'voicemails', 'sign', 'login', 'status',
]);

/** The product each specific one refines: the new Outlook over Outlook when both are named. */
const GENERAL: Record<ProductId, ProductId | undefined> = {
  lync: undefined,
  outlook: undefined,
  'new-outlook': 'outlook',
  owa: 'outlook',
  teams: undefined,
  'new-teams': 'teams',
  office: undefined,
};

const has = (text: string, phrases: readonly string[]) => phrases.some((p) => text.includes(` ${p} `));

export function extractFacts(analysed: Analysed): Facts {
  const facts: Facts = {};
  const text = ` ${analysed.words.join(' ')} `;
  const app = appNamed(analysed);
  if (app) facts.app = app;
  if (has(text, MFA_PHRASES)) facts.mfa = 'on';
  if (has(text, SMARTCARD_PHRASES)) facts.smartcard = 'yes';
  if (has(text, ONLY_ME_PHRASES)) facts.scope = 'me';
  else if (has(text, MANY_PHRASES)) facts.scope = 'many';
  const [code] = analysed.codes;
  if (code) facts['error-code'] = code;
  return facts;
}

/** The one app the message is about, or undefined when it names none or several. */
function appNamed({ products, words }: Analysed): ProductId | undefined {
  const familyOf = (id: ProductId) => PRODUCTS.find((p) => p.id === id)!.family;
  let named = products;
  if (new Set(named.map((p) => familyOf(p.id))).size > 1) {
    named = named.filter((p) => !MODIFIED.has(words[p.at + 1] ?? ''));
  }
  const families = new Set(named.map((p) => familyOf(p.id)));
  if (families.size !== 1) return undefined;
  const ids = new Set(named.map((p) => p.id));
  return [...ids].find((id) => GENERAL[id] !== undefined) ?? [...ids][0];
}

/** The option a flow's facts rules choose for a question, and the fact that chose it. */
export function answerFromFacts(rules: readonly FactRule[], questionId: string, facts: Facts): { optionId: string; fact: FactName } | undefined {
  for (const rule of rules) {
    if (rule.question !== questionId) continue;
    const value = facts[rule.fact];
    if (value === undefined) continue;
    let best: { optionId: string; length: number } | undefined;
    for (const [optionId, values] of Object.entries(rule.answers)) {
      for (const listed of values) {
        const length = factMatch(listed, value);
        if (length >= 0 && (!best || length > best.length)) best = { optionId, length };
      }
    }
    if (best) return { optionId: best.optionId, fact: rule.fact };
  }
  return undefined;
}

/** How the bot says back what it took from the message. */
export function describeFact(fact: FactName, value: string): string {
  switch (fact) {
    case 'app':
      return `app = ${PRODUCTS.find((p) => p.id === value)?.label ?? value}`;
    case 'mfa':
      return 'MFA is on';
    case 'smartcard':
      return 'you sign in with a smart card';
    case 'scope':
      return value === 'me' ? 'only you are affected' : 'others are affected too';
    case 'error-code':
      return `error code ${value.startsWith('0x') ? `0x${value.slice(2).toUpperCase()}` : value.toUpperCase()}`;
  }
}
