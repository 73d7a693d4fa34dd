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
  options: z.array(OptionSchema).min(2).max(6),
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
});

export const NodeSchema = z.discriminatedUnion('type', [QuestionNodeSchema, RemediationNodeSchema, EscalationNodeSchema]);

export const FlowSchema = z.strictObject({
  id: id('flow id'),
  title: text(60),
  summary: text(200),
  topic: id('topic'),
  router: z.strictObject({
    examples: z.array(text(300)).min(1).max(40),
    keywords: z.array(text(60)).max(60).default([]),
  }),
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
export type Topic = z.infer<typeof TopicsSchema>['topics'][number];
