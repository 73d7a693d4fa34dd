/** The part of node-nlp (NLP.js 4) the routing evaluation uses; the package ships no types. */
declare module 'node-nlp' {
  export class NlpManager {
    constructor(settings?: Record<string, unknown>);
    addDocument(locale: string, utterance: string, intent: string): void;
    train(): Promise<void>;
    process(locale: string, utterance: string): Promise<{ intent: string; score: number }>;
  }
}
