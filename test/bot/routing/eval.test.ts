/**
 * The build gate on routing quality: the router on the labelled set (test/fixtures/routing/).
 * Figures and timings are printed by `npm run eval:routing`; this test only guards the floor.
 */
import { createRouter } from '../../../src/bot/router';
import { loadCatalogue } from '../../../src/flows/catalogue';
import { ASKED, evaluate, loadEvalSet, NONE, overlaps } from './eval-set';

const catalogue = loadCatalogue();
const set = loadEvalSet();

describe('routing evaluation set', () => {
  it('has at least 20 messages for every flow and 40 that fit no flow, disjoint from the flow examples', () => {
    for (const flowId of catalogue.flows.keys()) expect(set.filter((m) => m.label === flowId).length).toBeGreaterThanOrEqual(20);
    expect(set.filter((m) => m.label === NONE).length).toBeGreaterThanOrEqual(40);
    expect(set.every((m) => m.label === NONE || catalogue.flows.has(m.label))).toBe(true);
    expect(overlaps(set, catalogue)).toEqual([]);
  });

  it('routes at least 90% of the flow messages straight to their flow', () => {
    const router = createRouter(catalogue);
    const result = evaluate(set, (text) => {
      const d = router.decide(text);
      return d.kind === 'flow' ? { predicted: d.flowId } : d.kind === 'ambiguous' ? { predicted: ASKED, asked: d.flowIds } : { predicted: NONE };
    });
    const top1 = result.top1.correct / result.top1.total;
    if (top1 < 0.9) console.log(result.misses.map((m) => `[${m.label}] ${m.text} → ${m.predicted}`).join('\n'));
    expect(top1).toBeGreaterThanOrEqual(0.9);
  });
});
