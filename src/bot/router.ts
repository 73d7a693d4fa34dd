/**
 * The free-text router for a user's first message. It lives in `src/bot/routing/`: text
 * normalisation (text.ts), built-in words (vocabulary.ts), facts (facts.ts) and scoring
 * (router.ts). This module is its public entry point.
 */
export { createRouter, type RankedFlow, type RouteDecision, type Router, type RouterOptions } from './routing/router';
export { answerFromFacts, describeFact, extractFacts, type Facts } from './routing/facts';
