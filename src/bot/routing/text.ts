/**
 * Text normalisation shared by the router and the fact reader: lowercase and accents, error
 * codes pulled out whole, typos corrected against the catalogue's own words (edit distance from
 * fastest-levenshtein), product aliases and flow synonyms replaced by one canonical word, then
 * stopwords dropped and words stemmed (Porter2, wink-porter2-stemmer).
 */
import { distance } from 'fastest-levenshtein';
import stem from 'wink-porter2-stemmer';
import { PRODUCTS, STOPWORDS, type ProductId } from './vocabulary';

/** A normalised message. */
export interface Analysed {
  /** Words after typo correction and alias replacement, in order (stopwords kept). */
  readonly words: readonly string[];
  /** Stems of the content words, in order: what the router scores. */
  readonly terms: readonly string[];
  /** Error codes, normalised (`0xcaa70004`, `aadsts50053`). */
  readonly codes: readonly string[];
  /** Products named, with the index in `words` of the canonical word that replaced them. */
  readonly products: readonly { readonly id: ProductId; readonly at: number }[];
}

interface Phrase {
  readonly words: readonly string[];
  readonly replacement: readonly string[];
  readonly product?: ProductId;
}

const CAA = /(^|[^a-z0-9])(?:0x ?)?(caa[0-9a-f]{5})(?![0-9a-z])/g;
const AADSTS = /aadsts[\s:#-]*(\d{4,6})(?!\d)/g;

/** Lowercase, no accents, no apostrophes ("can't" → "cant"), anything else that is not a letter or digit → space. */
export function plainWords(text: string): string[] {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/['’`]/g, '')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
    .split(' ')
    .filter((w) => w !== '');
}

export interface AnalyserOptions {
  /** Canonical word or phrase → variants users write (from the flow files). */
  readonly synonyms: ReadonlyMap<string, readonly string[]>;
  /** Every word the catalogue uses, with how often: typos are corrected towards these. */
  readonly vocabulary: ReadonlyMap<string, number>;
  /** Bare numbers that are known AADSTS codes ("error 50053"). */
  readonly aadstsNumbers: ReadonlySet<string>;
}

export class TextAnalyser {
  private readonly phrases = new Map<string, Phrase[]>();
  /** Vocabulary words by first letter, for the typo search. */
  private readonly byInitial = new Map<string, { word: string; count: number }[]>();
  private readonly corrections = new Map<string, string>();

  constructor(private readonly options: AnalyserOptions) {
    for (const product of PRODUCTS) {
      for (const alias of product.aliases) this.addPhrase(plainWords(alias), [product.family], product.id);
    }
    for (const [canonical, variants] of options.synonyms) {
      const replacement = plainWords(canonical);
      for (const variant of variants) this.addPhrase(plainWords(variant), replacement);
    }
    for (const list of this.phrases.values()) list.sort((a, b) => b.words.length - a.words.length);
    for (const [word, count] of options.vocabulary) {
      if (word.length < 4 || /\d/.test(word)) continue;
      const initial = word[0]!;
      const list = this.byInitial.get(initial) ?? [];
      list.push({ word, count });
      this.byInitial.set(initial, list);
    }
  }

  /** Every word the analyser knows as an alias or synonym (they join the vocabulary for typo correction). */
  phraseWords(): string[] {
    return [...this.phrases.values()].flatMap((list) => list.flatMap((p) => [...p.words, ...p.replacement]));
  }

  analyse(text: string): Analysed {
    const codes: string[] = [];
    const withoutCodes = text
      .toLowerCase()
      .replace(CAA, (_m, before: string, code: string) => {
        codes.push(`0x${code}`);
        return `${before} `;
      })
      .replace(AADSTS, (_m, digits: string) => {
        codes.push(`aadsts${digits}`);
        return ' ';
      });
    const raw = plainWords(withoutCodes).flatMap((word) => {
      if (this.options.aadstsNumbers.has(word)) {
        codes.push(`aadsts${word}`);
        return [];
      }
      return [this.correct(word)];
    });

    const words: string[] = [];
    const products: { id: ProductId; at: number }[] = [];
    for (let i = 0; i < raw.length; ) {
      const phrase = this.phraseAt(raw, i);
      if (phrase) {
        if (phrase.product) products.push({ id: phrase.product, at: words.length });
        words.push(...phrase.replacement);
        i += phrase.words.length;
      } else {
        words.push(raw[i]!);
        i += 1;
      }
    }
    const terms = words.filter((w) => !STOPWORDS.has(w)).map((w) => stem(w));
    return { words, terms, codes: [...new Set(codes)], products };
  }

  private addPhrase(words: string[], replacement: readonly string[], product?: ProductId): void {
    const first = words[0];
    if (!first) return;
    const list = this.phrases.get(first) ?? [];
    list.push({ words, replacement, product });
    this.phrases.set(first, list);
  }

  private phraseAt(words: readonly string[], i: number): Phrase | undefined {
    const candidates = this.phrases.get(words[i]!);
    return candidates?.find((p) => p.words.every((w, k) => words[i + k] === w));
  }

  /**
   * The catalogue word a typo most likely meant: same first letter, edit distance 1 for words of
   * 5 to 7 letters and 2 from 8 letters; ties go to the more frequent word. Known words, short
   * words and numbers stay as they are: too many 4-letter English words are one letter from a
   * catalogue word ("slow" → "show"). Results are cached (bounded).
   */
  private correct(word: string): string {
    if (word.length < 5 || this.options.vocabulary.has(word) || STOPWORDS.has(word) || /\d/.test(word)) return word;
    const cached = this.corrections.get(word);
    if (cached !== undefined) return cached;
    const max = word.length >= 8 ? 2 : 1;
    let best = word;
    let bestDistance = max + 1;
    let bestCount = 0;
    for (const { word: candidate, count } of this.byInitial.get(word[0]!) ?? []) {
      if (Math.abs(candidate.length - word.length) > max) continue;
      const d = distance(word, candidate);
      if (d > max) continue;
      if (d < bestDistance || (d === bestDistance && count > bestCount)) {
        best = candidate;
        bestDistance = d;
        bestCount = count;
      }
    }
    if (this.corrections.size >= 10_000) this.corrections.clear();
    this.corrections.set(word, best);
    return best;
  }
}
