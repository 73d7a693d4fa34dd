/**
 * The flow file format. One YAML file per flow in `src/flows/catalogue/`, validated with
 * these schemas at startup and by `npm run flows:check`. Unknown keys are errors (typos).
 */
import { z } from 'zod';

const id = (what: string) =>
  z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*$/, `${what} must be lowercase letters, digits and dashes, starting with a letter or digit`)
    .max(64);

/** Questions and menus carry at most this many options (fits a Teams card and a Slack actions block). */
export const MAX_OPTIONS = 6;

/** Inline `backticks` mark commands, paths and registry keys; channels render them monospace. */
const text = (max: number) => z.string().trim().min(1).max(max);

export const OptionSchema = z.strictObject({
  id: id('option id'),
  label: text(75),
  next: id('next'),
});

export const QuestionNodeSchema = z.strictObject({
  id: id('node id'),
  type: z.literal('question'),
  text: text(300),
  help: text(300).optional(),
  options: z.array(OptionSchema).min(2).max(MAX_OPTIONS),
});

export const RemediationNodeSchema = z.strictObject({
  id: id('node id'),
  type: z.literal('remediation'),
  title: text(100),
  who: z.enum(['user', 'admin']),
  why: text(400).optional(),
  steps: z.array(text(400)).min(1).max(10),
  /** Where the flow goes when the user says the steps did not fix the problem. */
  next: id('next'),
});

export const EscalationNodeSchema = z.strictObject({
  id: id('node id'),
  type: z.literal('escalation'),
  /** For support staff: what was ruled out and what to check next. */
  reason: text(300),
  /**
   * How urgent the ticket is (ITIL urgency, m365-triage-facts §5.2): `high` = the user cannot
   * work (locked out, no MFA device) or a suspected compromise, `medium` (default) = degraded
   * with a workaround, `low` = cosmetic. With who else is affected it gives the priority.
   */
  urgency: z.enum(['high', 'medium', 'low']).default('medium'),
  /**
   * The least impact the ticket has, whoever else the user says is affected: `high` for a
   * suspected account compromise (a security incident) or a confirmed outage.
   */
  impact: z.enum(['high', 'medium', 'low']).optional(),
});

export const NodeSchema = z.discriminatedUnion('type', [QuestionNodeSchema, RemediationNodeSchema, EscalationNodeSchema]);

/**
 * Facts the router reads in a user's first message (src/bot/routing/facts.ts). A flow's `facts`
 * rules say which question such a fact answers, so the flow can skip it.
 */
export const FACTS = {
  /** The app the user named; product aliases (Lync = Skype for Business = SfB, OWA, …) are resolved first. */
  app: ['lync', 'outlook', 'new-outlook', 'owa', 'teams', 'new-teams', 'office'],
  /** MFA, 2FA, two-factor, authenticator… was mentioned. */
  mfa: ['on'],
  /** A smart card (or its PIN) was mentioned. */
  smartcard: ['yes'],
  /** "only me" versus "everyone / my colleagues too". */
  scope: ['me', 'many'],
  /** An error code: `0xcaa70004`, `aadsts50053`; rules may end a code with `*` to match a prefix. */
  'error-code': [],
} as const satisfies Record<string, readonly string[]>;

export type FactName = keyof typeof FACTS;
export const FACT_NAMES = Object.keys(FACTS) as FactName[];

/** Error codes as the router writes them: `0xcaa70004`, `aadsts50053` (lowercase). */
export const ERROR_CODE = /^(0xcaa[0-9a-f]{5}|aadsts\d{4,6})$/;
/** A code or a code prefix ending in `*` (`0xcaa9*`, `aadsts*`). */
export const ERROR_CODE_PATTERN = /^(0xcaa[0-9a-f]{5}|aadsts\d{4,6}|0xcaa[0-9a-f]{0,4}\*|aadsts\d{0,5}\*)$/;

/**
 * How well a value listed in a facts rule matches a fact value: an exact value beats any prefix
 * (`0xcaa9*`), a longer prefix beats a shorter one; -1 when it does not match.
 */
export function factMatch(listed: string, value: string): number {
  if (!listed.endsWith('*')) return listed === value ? Number.MAX_SAFE_INTEGER : -1;
  const prefix = listed.slice(0, -1);
  return value.startsWith(prefix) ? prefix.length : -1;
}

/** YAML reads an unquoted `0xCAA70004` as a number: say how to fix it instead of "expected string". */
const quoted = () => z.string({ error: (issue) => (typeof issue.input === 'number' ? 'put the code in quotes ("0xCAA70004"): YAML reads an unquoted 0x… value as a number' : undefined) });

const errorCodePattern = quoted()
  .trim()
  .transform((s) => s.toLowerCase())
  .pipe(z.string().regex(ERROR_CODE_PATTERN, 'an error code is 0xCAA followed by 5 hex digits or AADSTS followed by 4 to 6 digits, optionally ending in * for a prefix'));

export const FactRuleSchema = z.strictObject({
  /** The question this fact answers in advance. */
  question: id('question'),
  fact: z.enum(FACT_NAMES as [FactName, ...FactName[]]),
  /** Option id → the fact values that choose it. */
  answers: z.record(id('option id'), z.array(quoted().trim().min(1).max(40).transform((s) => s.toLowerCase())).min(1).max(20)),
});

export const RouterSchema = z.strictObject({
  /** Messages as users write them; each one belongs to one flow only. */
  examples: z.array(text(300)).min(1).max(60),
  /** Words and phrases that point to this flow. */
  keywords: z.array(text(60)).max(60).default([]),
  /** Canonical word or phrase → what users write for it; applies to every message, whatever the flow. */
  synonyms: z.record(text(40), z.array(text(40)).min(1).max(20)).default({}),
  /** Error codes (or prefixes ending in `*`) that mean this flow; a code belongs to one flow only. */
  errorCodes: z.array(errorCodePattern).max(40).default([]),
});

export const FlowSchema = z.strictObject({
  id: id('flow id'),
  title: text(60),
  summary: text(200),
  topic: id('topic'),
  router: RouterSchema,
  /** Questions a fact from the first message answers in advance (the flow then skips them). */
  facts: z.array(FactRuleSchema).max(40).default([]),
  start: id('start'),
  nodes: z.array(NodeSchema).min(1),
});

export const TopicsSchema = z.strictObject({
  topics: z
    .array(
      z.strictObject({
        id: id('topic id'),
        label: text(75),
      }),
    )
    .min(1)
    .max(5),
});

export type FlowOption = z.infer<typeof OptionSchema>;
export type QuestionNode = z.infer<typeof QuestionNodeSchema>;
export type RemediationNode = z.infer<typeof RemediationNodeSchema>;
export type EscalationNode = z.infer<typeof EscalationNodeSchema>;
export type FlowNode = z.infer<typeof NodeSchema>;
export type FlowDefinition = z.infer<typeof FlowSchema>;
export type FactRule = z.infer<typeof FactRuleSchema>;
export type Topic = z.infer<typeof TopicsSchema>['topics'][number];
