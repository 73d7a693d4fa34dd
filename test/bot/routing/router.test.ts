import { createRouter, extractFacts } from '../../../src/bot/router';
import { answerFromFacts, describeFact } from '../../../src/bot/routing/facts';
import { TextAnalyser } from '../../../src/bot/routing/text';
import { loadCatalogue } from '../../../src/flows/catalogue';
import type { FactRule } from '../../../src/flows/schema';
import { fixtureCatalogue } from '../../helpers/fixtures';

const catalogue = loadCatalogue();
const router = createRouter(catalogue);
const route = (text: string) => router.decide(text);

describe('router on the real catalogue', () => {
  it.each([
    ['Lync keeps asking for my password', 'credential-prompt-loop'],
    ['Skype for Business keeps asking for my password', 'credential-prompt-loop'],
    ['SfB wont stop prompting for creds', 'credential-prompt-loop'],
    ['OWA keeps asking me for my password', 'credential-prompt-loop'],
  ])('treats product aliases alike: %s', (text, flowId) => {
    expect(route(text)).toMatchObject({ kind: 'flow', flowId });
  });

  it.each([
    ['0xCAA70004', 'teams-sign-in-error'],
    ['caa70004', 'teams-sign-in-error'],
    ['got 0xcaa90014 this morning', 'teams-sign-in-error'],
    ['AADSTS50053', 'account-locked'],
    ['aadsts 50055 on sign in', 'password-reset'],
    ['i got error 50053', 'account-locked'],
    ['AADSTS50079', 'mfa-device-change'],
  ])('maps the error code in "%s" to its flow', (text, flowId) => {
    expect(route(text)).toMatchObject({ kind: 'flow', flowId });
  });

  it('tolerates typos and inflections (edit distance against the catalogue words, Porter2 stems)', () => {
    expect(route('calender missing in teams')).toMatchObject({ kind: 'flow', flowId: 'calendar-missing' });
    expect(route('skype for buisness voicemails dissapeared')).toMatchObject({ kind: 'flow', flowId: 'voicemail-missing' });
    expect(route('my presense is wrong')).toMatchObject({ kind: 'flow', flowId: 'presence-not-updating' });
  });

  it('leaves short English words alone: typos are corrected from 5 letters ("slow" is not "show")', () => {
    const analyser = new TextAnalyser({ synonyms: new Map(), vocabulary: new Map([['show', 5], ['password', 5]]), aadstsNumbers: new Set() });
    expect(analyser.analyse('slow pasword').words).toEqual(['slow', 'password']);
  });

  it('reads "office 365" as the suite, not as out of office', () => {
    expect(route('i am locked out of office 365')).toMatchObject({ kind: 'flow', flowId: 'account-locked' });
    const outOfOffice = ['presence-not-updating', 'calendar-missing'];
    const scores = router.rank('office 365').filter((r) => outOfOffice.includes(r.flowId)).map((r) => r.score);
    expect(scores).toEqual([0, 0]);
  });

  it('asks between two flows when they fit about equally well', () => {
    const decision = route('teams calendar and voicemail are missing');
    expect(decision.kind).toBe('ambiguous');
    expect(decision.kind === 'ambiguous' && [...decision.flowIds].sort()).toEqual(['calendar-missing', 'voicemail-missing']);
  });

  it.each(['the coffee machine is broken', 'my printer is jammed again', 'can you order me a docking station'])('keeps "%s" out of every flow', (text) => {
    expect(route(text)).toMatchObject({ kind: 'none' });
  });

  it('ranks every flow, best first, and route() is the confident shorthand', () => {
    const ranked = router.rank('my voicemail is missing');
    expect(ranked).toHaveLength(catalogue.flows.size);
    expect(ranked[0]!.flowId).toBe('voicemail-missing');
    expect(ranked.every((r, i) => i === 0 || r.score <= ranked[i - 1]!.score)).toBe(true);
    expect(router.route('my voicemail is missing')).toBe('voicemail-missing');
    expect(router.route('the coffee machine is broken')).toBeUndefined();
  });

  it('is built from whatever catalogue it is given (the fixture flows)', () => {
    const small = createRouter(fixtureCatalogue());
    expect(small.decide('wifi broken')).toMatchObject({ kind: 'flow', flowId: 'wifi-down' });
    expect(small.decide('the WLAN is broken')).toMatchObject({ kind: 'flow', flowId: 'wifi-down' });
    expect(small.decide('printer has a paper jam')).toMatchObject({ kind: 'flow', flowId: 'printer-jam' });
    expect(small.decide('wireless vpn')).toMatchObject({ kind: 'ambiguous' });
    expect(small.decide('my voicemail is missing')).toMatchObject({ kind: 'none' });
  });
});

describe('facts read from the first message', () => {
  const facts = (text: string) => router.decide(text).facts;

  it('reads the app, MFA and the product alias behind it', () => {
    expect(facts('Since MFA was turned on Lync 2013 keeps asking for my Exchange password')).toEqual({ app: 'lync', mfa: 'on' });
    expect(facts('skype for business prompts since we got 2fa')).toEqual({ app: 'lync', mfa: 'on' });
    expect(facts('the new outlook keeps asking')).toEqual({ app: 'new-outlook' });
    expect(facts('outlook web access asks for my password')).toEqual({ app: 'owa' });
    expect(facts('new teams wont sign in')).toEqual({ app: 'new-teams' });
  });

  it('names no app when two are named, unless one only qualifies a noun ("my Outlook password")', () => {
    expect(facts('lync 2013 asks for my outlook password')).toEqual({ app: 'lync' });
    expect(facts('my outlook contacts are not in teams')).toEqual({ app: 'teams' });
    expect(facts('outlook and teams both keep asking')).toEqual({});
  });

  it('reads smart cards, error codes and who is affected', () => {
    expect(facts('lync asks for my smart card pin')).toEqual({ app: 'lync', smartcard: 'yes' });
    expect(facts('teams error 0xCAA70004')).toEqual({ app: 'teams', 'error-code': '0xcaa70004' });
    expect(facts('it is only me, everyone else is fine')).toEqual({ scope: 'me' });
    expect(facts('nobody in the whole office can sign in')).toEqual({ scope: 'many' });
  });

  it('works on the analysed words directly', () => {
    const analyser = new TextAnalyser({ synonyms: new Map(), vocabulary: new Map(), aadstsNumbers: new Set() });
    expect(extractFacts(analyser.analyse('SfB + MFA'))).toEqual({ app: 'lync', mfa: 'on' });
  });

  it('picks the most specific listed value: an exact code beats a prefix, a longer prefix a shorter one', () => {
    const rules: FactRule[] = [{ question: 'q', fact: 'error-code', answers: { network: ['0xcaa70004'], federation: ['0xcaa9*'], other: ['0xcaa*'] } }];
    expect(answerFromFacts(rules, 'q', { 'error-code': '0xcaa70004' })).toEqual({ optionId: 'network', fact: 'error-code' });
    expect(answerFromFacts(rules, 'q', { 'error-code': '0xcaa90014' })).toEqual({ optionId: 'federation', fact: 'error-code' });
    expect(answerFromFacts(rules, 'q', { 'error-code': '0xcaa20002' })).toEqual({ optionId: 'other', fact: 'error-code' });
    expect(answerFromFacts(rules, 'q', { 'error-code': 'aadsts50053' })).toBeUndefined();
    expect(answerFromFacts(rules, 'other-question', { 'error-code': '0xcaa70004' })).toBeUndefined();
  });

  it('says facts back in plain words', () => {
    expect(describeFact('app', 'lync')).toBe('app = Lync / Skype for Business');
    expect(describeFact('mfa', 'on')).toBe('MFA is on');
    expect(describeFact('error-code', '0xcaa70004')).toBe('error code 0xCAA70004');
    expect(describeFact('error-code', 'aadsts50053')).toBe('error code AADSTS50053');
    expect(describeFact('scope', 'many')).toBe('others are affected too');
  });
});
