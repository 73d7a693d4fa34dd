/**
 * A simple keyword router: ranks the flows for a user's free-text message using what each
 * flow file declares (title, router examples and keywords). Deliberately small; it routes
 * only when the best flow is clearly ahead, otherwise the engine shows the topic menu.
 */
import type { Catalogue } from '../flows/catalogue';

export interface RankedFlow {
  readonly flowId: string;
  readonly score: number;
}

export interface Router {
  rank(text: string): RankedFlow[];
  /** The flow to start, when one is confidently ahead. */
  route(text: string): string | undefined;
}

const STOPWORDS = new Set(
  'a an the and or but to of in on at for with my me i im i\'m is it its it\'s this that was were be been am are do does did not no can cant can\'t keep keeps again after when since from have has had get got just all any some our your you we they he she them there here so very really still'.split(' '),
);

/** Lowercase word stems: drops stopwords and common English endings. */
export function tokens(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .split(' ')
    .filter((w) => w.length > 1 && !STOPWORDS.has(w))
    .map(stem);
}

function stem(word: string): string {
  for (const suffix of ['ing', 'ed', 'es', 's']) {
    if (word.length > suffix.length + 3 && word.endsWith(suffix)) return word.slice(0, -suffix.length);
  }
  return word;
}

interface FlowProfile {
  readonly flowId: string;
  readonly keywordStems: readonly (readonly string[])[];
  readonly examples: readonly ReadonlySet<string>[];
}

export function createRouter(catalogue: Catalogue, options: { minScore?: number; minMargin?: number } = {}): Router {
  const minScore = options.minScore ?? 2;
  const minMargin = options.minMargin ?? 1;
  const profiles: FlowProfile[] = [...catalogue.flows.values()].map(({ definition }) => ({
    flowId: definition.id,
    keywordStems: definition.router.keywords.map(tokens).filter((k) => k.length > 0),
    examples: [definition.title, ...definition.router.examples].map((e) => new Set(tokens(e))),
  }));

  const rank = (text: string): RankedFlow[] => {
    const words = new Set(tokens(text));
    if (words.size === 0) return [];
    return profiles
      .map((p) => {
        const keywordScore = p.keywordStems.filter((k) => k.every((w) => words.has(w))).reduce((s, k) => s + k.length, 0);
        let best = 0;
        for (const example of p.examples) {
          let shared = 0;
          for (const w of words) if (example.has(w)) shared++;
          best = Math.max(best, shared / Math.sqrt(example.size * words.size || 1));
        }
        return { flowId: p.flowId, score: keywordScore + 3 * best };
      })
      .sort((a, b) => b.score - a.score);
  };

  return {
    rank,
    route(text) {
      const [first, second] = rank(text);
      if (!first || first.score < minScore) return undefined;
      if (second && first.score - second.score < minMargin) return undefined;
      return first.flowId;
    },
  };
}
