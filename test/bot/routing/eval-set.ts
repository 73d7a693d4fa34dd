/**
 * The labelled routing set (test/fixtures/routing/eval.yaml) and how a router is scored on it.
 * Shared by the jest gate (eval.test.ts) and `npm run eval:routing`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import type { Catalogue } from '../../../src/flows/catalogue';
import { exampleKey } from '../../../src/flows/validate';

export const EVAL_FILE = path.join(__dirname, '..', '..', 'fixtures', 'routing', 'eval.yaml');
/** The label of messages that fit no flow. */
export const NONE = 'none';
/** The prediction of a two-way question. */
export const ASKED = 'asked';

const EvalSchema = z.strictObject({
  flows: z.record(z.string(), z.array(z.string().min(1))),
  none: z.array(z.string().min(1)),
});

export interface LabelledMessage {
  readonly text: string;
  /** A flow id, or NONE. */
  readonly label: string;
}

export function loadEvalSet(file = EVAL_FILE): LabelledMessage[] {
  const data = EvalSchema.parse(parse(readFileSync(file, 'utf8')));
  return [
    ...Object.entries(data.flows).flatMap(([flowId, texts]) => texts.map((text) => ({ text, label: flowId }))),
    ...data.none.map((text) => ({ text, label: NONE })),
  ];
}

/** Messages of the set that also appear (ignoring case and punctuation) among the flow files' examples, or twice in the set. */
export function overlaps(set: readonly LabelledMessage[], catalogue: Catalogue): string[] {
  const examples = new Map<string, string>();
  for (const flow of catalogue.flows.values()) for (const e of flow.definition.router.examples) examples.set(exampleKey(e), flow.definition.id);
  const seen = new Set<string>();
  const problems: string[] = [];
  for (const { text } of set) {
    const key = exampleKey(text);
    const flowId = examples.get(key);
    if (flowId) problems.push(`"${text}" is an example of flow ${flowId}`);
    if (seen.has(key)) problems.push(`"${text}" is in the set twice`);
    seen.add(key);
  }
  return problems;
}

/** A prediction: a flow id, ASKED (a two-way question, with the two flows), or NONE. */
export interface Prediction {
  readonly predicted: string;
  readonly asked?: readonly string[];
}

export interface EvalResult {
  /** Flow messages routed straight to their flow. */
  readonly top1: { readonly correct: number; readonly total: number };
  /** Flow messages whose flow was one of the two in a two-way question. */
  readonly askedWithRight: number;
  /** No-flow messages kept out of every flow (no flow started, no two-way question). */
  readonly keptOut: { readonly correct: number; readonly total: number };
  /** label → predicted → count */
  readonly confusion: Map<string, Map<string, number>>;
  readonly misses: { readonly text: string; readonly label: string; readonly predicted: string }[];
}

export function evaluate(set: readonly LabelledMessage[], predict: (text: string) => Prediction): EvalResult {
  let correct = 0;
  let total = 0;
  let askedWithRight = 0;
  let keptOut = 0;
  let noneTotal = 0;
  const confusion = new Map<string, Map<string, number>>();
  const misses: EvalResult['misses'] = [];
  for (const { text, label } of set) {
    const { predicted, asked } = predict(text);
    const row = confusion.get(label) ?? new Map<string, number>();
    row.set(predicted, (row.get(predicted) ?? 0) + 1);
    confusion.set(label, row);
    if (label === NONE) {
      noneTotal++;
      if (predicted === NONE) keptOut++;
      else misses.push({ text, label, predicted: asked ? `${ASKED}: ${asked.join(' | ')}` : predicted });
    } else {
      total++;
      if (predicted === label) correct++;
      else {
        if (asked?.includes(label)) askedWithRight++;
        misses.push({ text, label, predicted: asked ? `${ASKED}: ${asked.join(' | ')}` : predicted });
      }
    }
  }
  return { top1: { correct, total }, askedWithRight, keptOut: { correct: keptOut, total: noneTotal }, confusion, misses };
}
