/**
 * The free-text router. Built once at startup from what each flow file declares (title,
 * summary, router examples, keywords, synonyms, error codes): every flow becomes one weighted
 * bag of stemmed words and word pairs, scored with BM25 against the message, plus how close the
 * message is to the flow's nearest single example. Words no flow uses shrink the score (the
 * message is probably about something else); an error code a flow claims is strong evidence.
 * Then the decision: one flow when it is clearly ahead, a two-way question when the best two
 * are close, nothing when no flow has enough evidence. The defaults were chosen with
 * `npm run eval:routing -- --tune` (leave-one-out on the examples and a development set).
 */
import type { Catalogue } from '../../flows/catalogue';
import { extractFacts, type Facts } from './facts';
import { plainWords, TextAnalyser, type Analysed } from './text';
import { COMMON_SYNONYMS, CONTEXT_WORDS, GENERIC_VERBS, MANY_PHRASES, MFA_PHRASES, ONLY_ME_PHRASES, PRODUCTS, SMARTCARD_PHRASES } from './vocabulary';

export interface RankedFlow {
  readonly flowId: string;
  readonly score: number;
}

export type RouteDecision =
  | { readonly kind: 'flow'; readonly flowId: string; readonly facts: Facts }
  | { readonly kind: 'ambiguous'; readonly flowIds: readonly [string, string]; readonly facts: Facts }
  | { readonly kind: 'none'; readonly facts: Facts };

export interface Router {
  /** Every flow with its score, best first. */
  rank(text: string): RankedFlow[];
  /** What to do with a first message, and the facts read from it. */
  decide(text: string): RouteDecision;
  /** The flow to start when one is confidently ahead (shorthand for `decide`). */
  route(text: string): string | undefined;
}

export interface RouterOptions {
  /** Below this score no flow fits. */
  readonly minScore?: number;
  /** The runner-up is "close" when it has at least this share of the best score. */
  readonly closeRatio?: number;
  /** How much a word no flow uses counts against the known words (see `score`). */
  readonly unknownWord?: number;
  /** How hard the share of unknown words cuts the score (1: in proportion). */
  readonly coveragePower?: number;
  /** BM25 term-frequency saturation and length normalisation. */
  readonly k1?: number;
  readonly b?: number;
  /** Weight of the best single example's similarity (cosine of idf-weighted features) in the score. */
  readonly nearest?: number;
}

/** Weights of the parts of a flow file in its bag of words. */
const WEIGHT = { title: 1, summary: 0.5, example: 1, keyword: 2 } as const;
/** A code the flow claims exactly, or by a prefix such as `0xcaa*`. */
const CODE_EXACT = 3.6;
const CODE_PREFIX = 2.7;

interface FlowIndex {
  readonly flowId: string;
  readonly tf: Map<string, number>;
  readonly length: number;
  readonly codes: ReadonlySet<string>;
  readonly codePrefixes: readonly string[];
}

/**
 * Unigrams and adjacent pairs of a message's stems: pairs keep phrases such as "keep ask" or
 * "status unknown". With `skip`, pairs one word apart too ("status *never* change" still says
 * "status change"): they feed BM25, not the nearest-example similarity, where they would only
 * lengthen the long examples.
 */
function features(analysed: Analysed, skip = false): string[] {
  const { terms } = analysed;
  const out = [...terms];
  for (let i = 0; i + 1 < terms.length; i++) out.push(`${terms[i]} ${terms[i + 1]}`);
  if (skip) for (let i = 0; i + 2 < terms.length; i++) out.push(`${terms[i]} ${terms[i + 2]}`);
  return out;
}

export function createRouter(catalogue: Catalogue, options: RouterOptions = {}): Router {
  const minScore = options.minScore ?? 1.8;
  const closeRatio = options.closeRatio ?? 0.85;
  // The weight of a word no flow uses, against the (relative) idf of the known words.
  const unknownWord = options.unknownWord ?? 3;
  const coveragePower = options.coveragePower ?? 1;
  const K1 = options.k1 ?? 1.2;
  const B = options.b ?? 0.75;
  const nearest = options.nearest ?? 2;
  const flows = [...catalogue.flows.values()].map((f) => f.definition);

  const synonyms = new Map<string, string[]>(Object.entries(COMMON_SYNONYMS).map(([canonical, variants]) => [canonical, [...variants]]));
  for (const flow of flows) {
    for (const [canonical, variants] of Object.entries(flow.router.synonyms)) synonyms.set(canonical, [...(synonyms.get(canonical) ?? []), ...variants]);
  }
  const aadstsNumbers = new Set(flows.flatMap((f) => f.router.errorCodes.filter((c) => /^aadsts\d+$/.test(c)).map((c) => c.slice(6))));

  // The vocabulary typos are corrected towards: every word of the flow files and built-in phrases.
  const vocabulary = new Map<string, number>();
  const count = (text: string) => {
    for (const w of plainWords(text)) vocabulary.set(w, (vocabulary.get(w) ?? 0) + 1);
  };
  for (const flow of flows) {
    [flow.title, flow.summary, ...flow.router.examples, ...flow.router.keywords, ...Object.keys(flow.router.synonyms), ...Object.values(flow.router.synonyms).flat()].forEach(count);
  }
  [...PRODUCTS.flatMap((p) => p.aliases), ...MFA_PHRASES, ...SMARTCARD_PHRASES, ...ONLY_ME_PHRASES, ...MANY_PHRASES].forEach(count);
  const analyser = new TextAnalyser({ synonyms, vocabulary, aadstsNumbers });

  const index: FlowIndex[] = flows.map((flow) => {
    const tf = new Map<string, number>();
    let length = 0;
    const add = (text: string, weight: number) => {
      // A word counts once per sentence, so one long example cannot dominate.
      for (const feature of new Set(features(analyser.analyse(text), true))) {
        tf.set(feature, (tf.get(feature) ?? 0) + weight);
        length += weight;
      }
    };
    add(flow.title, WEIGHT.title);
    add(flow.summary, WEIGHT.summary);
    flow.router.examples.forEach((e) => add(e, WEIGHT.example));
    flow.router.keywords.forEach((k) => add(k, WEIGHT.keyword));
    const codes = flow.router.errorCodes;
    return {
      flowId: flow.id,
      tf,
      length,
      codes: new Set(codes.filter((c) => !c.endsWith('*'))),
      codePrefixes: codes.filter((c) => c.endsWith('*')).map((c) => c.slice(0, -1)),
    };
  });
  const averageLength = index.reduce((s, f) => s + f.length, 0) / Math.max(1, index.length);
  const documentFrequency = new Map<string, number>();
  for (const flow of index) for (const feature of flow.tf.keys()) documentFrequency.set(feature, (documentFrequency.get(feature) ?? 0) + 1);
  const n = index.length;
  // BM25 idf, divided by the idf of a word only one flow uses: scores then mean about the same
  // thing ("one distinctive word, well matched" ≈ 1.5) in a catalogue of 3 flows or of 30.
  const rawIdf = (df: number) => Math.log(1 + (n - df + 0.5) / (df + 0.5));
  const unit = rawIdf(1);
  const idfs = new Map([...documentFrequency].map(([feature, df]) => [feature, rawIdf(df) / unit]));
  const idf = (feature: string) => idfs.get(feature) ?? 0;
  // For the nearest-example similarity: every example's norm (features weighted by squared idf),
  // the flow it belongs to, and an inverted index feature → (example, weight), so a message only
  // visits the examples it shares a feature with.
  const exampleFlow: number[] = [];
  const exampleNorm: number[] = [];
  const postings = new Map<string, { example: number; weight: number }[]>();
  flows.forEach((flow, i) => {
    for (const example of flow.router.examples) {
      const id = exampleFlow.length;
      let norm = 0;
      for (const f of new Set(features(analyser.analyse(example)))) {
        const weight = idf(f) ** 2;
        if (weight === 0) continue;
        norm += weight;
        const list = postings.get(f) ?? [];
        list.push({ example: id, weight });
        postings.set(f, list);
      }
      exampleFlow.push(i);
      exampleNorm.push(Math.sqrt(norm));
    }
  });
  const dots = new Float64Array(exampleFlow.length);

  // Words that say who is affected ("everyone", "colleagues") are facts, not a sign of another topic.
  // So are everyday verbs no flow uses.
  const neutral = new Set(analyser.analyse([...ONLY_ME_PHRASES, ...MANY_PHRASES, ...GENERIC_VERBS, ...CONTEXT_WORDS].join(' . ')).terms.filter((t) => !documentFrequency.has(t)));

  const score = (analysed: Analysed): RankedFlow[] => {
    const query = new Set(features(analysed, true));
    const near = new Set(features(analysed));
    // Words no flow knows are evidence that the message is about something else ("excel
    // *crashes*", "teams *video* calls *freeze*"): the score shrinks with their share.
    let known = 0;
    let unknown = 0;
    for (const term of new Set(analysed.terms)) {
      if (/^\d+$/.test(term) || neutral.has(term)) continue;
      if (documentFrequency.has(term)) known += idf(term);
      else unknown += unknownWord;
    }
    const coverage = known + unknown === 0 ? 0 : (known / (known + unknown)) ** coveragePower;
    let queryNorm = 0;
    for (const f of near) queryNorm += idf(f) ** 2;
    queryNorm = Math.sqrt(queryNorm);
    // Best cosine of the message with any one example of each flow.
    const nearestOf = new Float64Array(index.length);
    if (nearest > 0 && queryNorm > 0) {
      dots.fill(0);
      for (const f of near) for (const { example, weight } of postings.get(f) ?? []) dots[example]! += weight;
      for (let e = 0; e < dots.length; e++) {
        if (dots[e]! === 0) continue;
        const flow = exampleFlow[e]!;
        nearestOf[flow] = Math.max(nearestOf[flow]!, dots[e]! / (exampleNorm[e]! * queryNorm));
      }
    }
    return index
      .map((flow, i) => {
        let s = 0;
        for (const feature of query) {
          const tf = flow.tf.get(feature);
          if (!tf) continue;
          s += (idf(feature) * tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * flow.length) / averageLength));
        }
        s += nearest * nearestOf[i]!;
        s *= coverage;
        for (const code of analysed.codes) {
          if (flow.codes.has(code)) s += CODE_EXACT;
          else if (flow.codePrefixes.some((p) => code.startsWith(p))) s += CODE_PREFIX;
        }
        return { flowId: flow.flowId, score: s };
      })
      .sort((a, b) => b.score - a.score || a.flowId.localeCompare(b.flowId));
  };

  const decide = (text: string): RouteDecision => {
    const analysed = analyser.analyse(text);
    const facts = extractFacts(analysed);
    const [first, second] = score(analysed);
    if (!first || first.score < minScore) return { kind: 'none', facts };
    if (second && second.score >= minScore && second.score >= closeRatio * first.score) {
      return { kind: 'ambiguous', flowIds: [first.flowId, second.flowId], facts };
    }
    return { kind: 'flow', flowId: first.flowId, facts };
  };

  return {
    rank: (text) => score(analyser.analyse(text)),
    decide,
    route(text) {
      const decision = decide(text);
      return decision.kind === 'flow' ? decision.flowId : undefined;
    },
  };
}
