/**
 * `npm run eval:routing`: the free-text router on the labelled set in test/fixtures/routing/,
 * beside NLP.js (node-nlp NlpManager, trained offline on the same flow examples, language en).
 * Prints top-1 accuracy, how many no-flow messages were kept out of every flow, the confusion
 * matrix, time per message (p50/p99) and build time. Exits 1 if the set overlaps the flow
 * files' examples. `-- --tune` sweeps the parameters and `-- --loo-misses` prints what
 * leave-one-out and the dev no-flow set get wrong: both use the flow files and dev.yaml only.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parse } from 'yaml';
import { NlpManager } from 'node-nlp';
import { createRouter, type Router, type RouterOptions } from '../src/bot/router';
import { loadCatalogue, type Catalogue } from '../src/flows/catalogue';
import { ASKED, evaluate, loadEvalSet, NONE, overlaps, type EvalResult, type LabelledMessage, type Prediction } from '../test/bot/routing/eval-set';

const DEV_FILE = path.join(__dirname, '..', 'test', 'fixtures', 'routing', 'dev.yaml');
const percentile = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
const pct = (n: number, d: number) => `${((100 * n) / Math.max(1, d)).toFixed(1)}% (${n}/${d})`;
const ms = (x: number) => `${x.toFixed(3)} ms`;

interface Run {
  readonly name: string;
  readonly result: EvalResult;
  readonly buildMs: number;
  readonly p50: number;
  readonly p99: number;
}

async function timed(set: readonly LabelledMessage[], predict: (text: string) => Promise<Prediction> | Prediction) {
  for (const { text } of set.slice(0, 30)) await predict(text); // warm-up
  const predictions = new Map<string, Prediction>();
  const times: number[] = [];
  for (let round = 0; round < 3; round++) {
    for (const { text } of set) {
      const start = performance.now();
      const p = await predict(text);
      times.push(performance.now() - start);
      predictions.set(text, p);
    }
  }
  times.sort((a, b) => a - b);
  return { predictions, p50: percentile(times, 50), p99: percentile(times, 99) };
}

async function main(): Promise<void> {
  const catalogue = loadCatalogue();
  const set = loadEvalSet();
  const problems = overlaps(set, catalogue);
  if (problems.length > 0) {
    console.error(`eval:routing: the labelled set must be disjoint from the flow examples:\n  ${problems.join('\n  ')}`);
    process.exit(1);
  }
  const flowIds = [...catalogue.flows.keys()];
  console.log(`Labelled set: ${set.filter((m) => m.label !== NONE).length} flow messages over ${flowIds.length} flows, ${set.filter((m) => m.label === NONE).length} that fit no flow; disjoint from the flow examples.\n`);

  // Our router: build time is the best of five cold builds (the first also loads modules).
  const builds: number[] = [];
  let router: Router | undefined;
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    router = createRouter(catalogue);
    builds.push(performance.now() - start);
  }
  const ours = await timed(set, (text) => {
    const d = router!.decide(text);
    return d.kind === 'flow' ? { predicted: d.flowId } : d.kind === 'ambiguous' ? { predicted: ASKED, asked: d.flowIds } : { predicted: NONE };
  });
  const runs: Run[] = [
    { name: 'this router', result: evaluate(set, (t) => ours.predictions.get(t)!), buildMs: builds[0]!, p50: ours.p50, p99: ours.p99 },
  ];

  // NLP.js on the same examples.
  const nlpStart = performance.now();
  const manager = new NlpManager({ languages: ['en'], forceNER: false, autoSave: false, autoLoad: false, modelFileName: '', nlu: { log: false } });
  for (const flow of catalogue.flows.values()) for (const e of flow.definition.router.examples) manager.addDocument('en', e, flow.definition.id);
  await manager.train();
  const nlpBuild = performance.now() - nlpStart;
  const theirs = await timed(set, async (text) => {
    const r = await manager.process('en', text);
    return { predicted: r.intent === 'None' || !catalogue.flows.has(r.intent) ? NONE : r.intent };
  });
  runs.push({ name: 'NLP.js 4.27 (node-nlp)', result: evaluate(set, (t) => theirs.predictions.get(t)!), buildMs: nlpBuild, p50: theirs.p50, p99: theirs.p99 });

  const loo = leaveOneOut(catalogue);

  const rows: [string, (r: Run) => string][] = [
    ['top-1 accuracy (routed straight to the right flow)', (r) => pct(r.result.top1.correct, r.result.top1.total)],
    ['  + right flow offered in a two-way question', (r) => pct(r.result.askedWithRight, r.result.top1.total)],
    ['no-flow messages kept out of every flow', (r) => pct(r.result.keptOut.correct, r.result.keptOut.total)],
    ['time per message p50', (r) => ms(r.p50)],
    ['time per message p99', (r) => ms(r.p99)],
    ['build (training) time', (r) => ms(r.buildMs)],
  ];
  const width = Math.max(...rows.map(([l]) => l.length));
  console.log(`${''.padEnd(width)}  ${runs.map((r) => r.name.padEnd(24)).join('  ')}`);
  for (const [label, value] of rows) console.log(`${label.padEnd(width)}  ${runs.map((r) => value(r).padEnd(24)).join('  ')}`);
  console.log(`\nLeave-one-out on the flow examples (each example routed by a router built without it): ${pct(loo.correct, loo.total)} routed straight to their flow, ${loo.asked} asked with the right flow among two.`);
  console.log(`\nTargets: top-1 >= 95%, kept out >= 90%, p99 < 2 ms, build < 500 ms. Build times of our router, 5 builds: ${builds.map((b) => b.toFixed(1)).join(', ')} ms.`);

  const columns = [...flowIds, ASKED, NONE];
  const short = (id: string) => id.split('-').map((w) => w.slice(0, 3)).join('-').slice(0, 7);
  for (const run of runs) {
    console.log(`\nConfusion matrix, ${run.name} (rows: label, columns: prediction)`);
    console.log(`${''.padEnd(28)} ${columns.map((c) => short(c).padStart(7)).join(' ')}`);
    for (const label of [...flowIds, NONE]) {
      const row = run.result.confusion.get(label);
      console.log(`${label.padEnd(28)} ${columns.map((c) => String(row?.get(c) ?? '.').padStart(7)).join(' ')}`);
    }
    if (process.argv.includes('--misses')) {
      console.log(`\nMisses, ${run.name}:`);
      for (const m of run.result.misses) console.log(`  [${m.label}] "${m.text}" → ${m.predicted}`);
    }
  }
}

/** Each flow example routed by a router built without that example: a check that needs no labelled set. */
function leaveOneOut(catalogue: Catalogue, options: RouterOptions = {}): { correct: number; asked: number; total: number; misses: string[] } {
  const misses: string[] = [];
  let correct = 0;
  let asked = 0;
  let total = 0;
  for (const flow of catalogue.flows.values()) {
    flow.definition.router.examples.forEach((example, i) => {
      const examples = flow.definition.router.examples.filter((_, k) => k !== i);
      const flows = new Map(catalogue.flows);
      flows.set(flow.definition.id, { ...flow, definition: { ...flow.definition, router: { ...flow.definition.router, examples } } });
      const decision = createRouter({ ...catalogue, flows }, options).decide(example);
      total++;
      if (decision.kind === 'flow' && decision.flowId === flow.definition.id) correct++;
      else misses.push(`[${flow.definition.id}] "${example}" → ${decision.kind === 'flow' ? decision.flowId : decision.kind === 'ambiguous' ? `asked: ${decision.flowIds.join(' | ')}` : 'none'}`);
      if (decision.kind === 'ambiguous' && decision.flowIds.includes(flow.definition.id)) asked++;
    });
  }
  return { correct, asked, total, misses };
}

if (process.argv.includes('--tune')) {
  // Parameter sweep on leave-one-out only (never on the labelled set).
  const catalogue = loadCatalogue();
  const dev = (parse(readFileSync(DEV_FILE, 'utf8')) as { none: string[] }).none;
  const grid: RouterOptions[] = [];
  for (const nearest of [0, 1, 2]) for (const b of [0.3, 0.5, 0.75]) for (const minScore of [1.4, 1.8]) grid.push({ nearest, b, minScore });
  for (const options of grid) {
    const r = leaveOneOut(catalogue, options);
    const router = createRouter(catalogue, options);
    const kept = dev.filter((t) => router.decide(t).kind === 'none').length;
    console.log(`${JSON.stringify(options)}: leave-one-out ${pct(r.correct, r.total)} straight, ${r.asked} asked; dev no-flow kept out ${pct(kept, dev.length)}`);
  }
  process.exit(0);
}

if (process.argv.includes('--loo-misses')) {
  // What leave-one-out and the dev no-flow set get wrong with the default options (never the labelled set).
  const catalogue = loadCatalogue();
  const dev = (parse(readFileSync(DEV_FILE, 'utf8')) as { none: string[] }).none;
  const r = leaveOneOut(catalogue);
  console.log(`Leave-one-out ${pct(r.correct, r.total)} straight, ${r.asked} asked. Misses:\n  ${r.misses.join('\n  ')}`);
  const router = createRouter(catalogue);
  const taken = dev.map((t) => ({ t, d: router.decide(t) })).filter(({ d }) => d.kind !== 'none');
  console.log(`Dev no-flow kept out ${pct(dev.length - taken.length, dev.length)}. Taken:\n  ${taken.map(({ t, d }) => `"${t}" → ${d.kind === 'flow' ? d.flowId : d.kind === 'ambiguous' ? d.flowIds.join(' | ') : ''}`).join('\n  ')}`);
  process.exit(0);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
