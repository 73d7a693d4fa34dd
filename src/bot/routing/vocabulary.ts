/**
 * Built-in words of the router: product names and their aliases, stopwords, and the phrases that
 * carry facts (MFA, smart card, who is affected). Flow files add their own synonyms on top.
 */

export type ProductId = 'lync' | 'outlook' | 'new-outlook' | 'owa' | 'teams' | 'new-teams' | 'office';

export interface Product {
  readonly id: ProductId;
  /** How the "I understood" line names it. */
  readonly label: string;
  /** The word the router sees instead of any alias, so examples written with one alias match the others. */
  readonly family: 'lync' | 'outlook' | 'teams' | 'officeapps';
  /** What users write, lowercase, without punctuation. */
  readonly aliases: readonly string[];
}

export const PRODUCTS: readonly Product[] = [
  {
    id: 'lync',
    label: 'Lync / Skype for Business',
    family: 'lync',
    aliases: [
      'lync', 'lync 2013', 'lync 2010', 'lync client', 'skype for business', 'skype for business 2015', 'skype for business 2016',
      'skype 4 business', 'skype4business', 'skype4b', 'skype business', 'sfb', 's4b', 'sfb client', 'skype', 'skype client',
    ],
  },
  { id: 'new-outlook', label: 'the new Outlook', family: 'outlook', aliases: ['new outlook', 'the new outlook', 'outlook new', 'new outlook for windows', 'outlook new version'] },
  {
    id: 'owa',
    label: 'Outlook on the web',
    family: 'outlook',
    aliases: ['owa', 'outlook web', 'outlook on the web', 'outlook web access', 'outlook web app', 'outlook office com', 'outlook in the browser', 'webmail'],
  },
  { id: 'outlook', label: 'Outlook', family: 'outlook', aliases: ['outlook', 'ms outlook', 'microsoft outlook', 'classic outlook', 'outlook desktop', 'outlook 2016', 'outlook 2019', 'outlook 2021', 'outlook 2013', 'outlook 2010', 'outlook app'] },
  { id: 'new-teams', label: 'the new Teams', family: 'teams', aliases: ['new teams', 'the new teams', 'teams new', 'teams 2 0', 'new microsoft teams'] },
  { id: 'teams', label: 'Teams', family: 'teams', aliases: ['teams', 'ms teams', 'microsoft teams', 'msteams', 'teams app', 'classic teams', 'teams desktop', 'teams client'] },
  { id: 'office', label: 'Office apps (Word, Excel, OneDrive…)', family: 'officeapps', aliases: ['word', 'excel', 'powerpoint', 'onedrive', 'one drive', 'office apps', 'office applications', 'ms word', 'ms excel'] },
];

/** Words that say nothing about which problem it is. Negations go too: the flows do not differ by them. */
export const STOPWORDS = new Set(
  (
    'a an the and or but to of in on at for with by as my me i im ive id is it its this that these those was were be been being am are ' +
    'do does did doing done not no nor can cant cannot could couldnt wont would wouldnt will should shouldnt dont doesnt didnt isnt arent wasnt werent ' +
    'havent hasnt hadnt have has had get gets got getting just all any some our ours your yours you youre we they he she him her them their there here ' +
    'so very really still too also again even though although because since from into out up down over about than then now when what which who whom ' +
    'why how where while if else only own same such more most other another each every both few much many one ive ill lot lots ' +
    'myself yourself itself ourselves themselves ' +
    'please pls plz thanks thank hi hello hey help anyone someone somebody something anything thing things way today yesterday morning ' +
    'afternoon evening week day days time times minute minutes hour hours ago im ok okay yes yeah know think want need like would ' +
    // Words every problem report has: they neither point to a flow nor away from all of them.
    'broken broke work works working worked problem problems issue issues trouble fix fixed urgent asap'
  ).split(' '),
);

/** Phrases that mean MFA is in play. Matched on whole words of the normalised message. */
export const MFA_PHRASES = [
  'mfa', '2fa', 'two factor', '2 factor', 'two step', '2 step', 'multi factor', 'multifactor', 'second factor', 'authenticator',
  'authenticator app', 'sign in approval', 'approval request', 'verification code',
];

export const SMARTCARD_PHRASES = ['smart card', 'smartcard', 'smart card pin', 'virtual smart card', 'pki card', 'badge pin'];

/** "It is only me" (checked first: "everyone else is fine" says only me). */
export const ONLY_ME_PHRASES = [
  'only me', 'just me', 'only for me', 'only my account', 'only on my', 'only my pc', 'only my computer', 'nobody else', 'no one else',
  'noone else', 'everyone else', 'everybody else', 'others are fine', 'colleagues are fine', 'my colleagues can', 'others can',
];

/** "Others have it too". */
export const MANY_PHRASES = [
  'everyone', 'everybody', 'all users', 'all of us', 'whole team', 'whole office', 'whole company', 'whole department', 'entire team',
  'entire office', 'entire company', 'all my colleagues', 'my colleagues too', 'colleagues too', 'coworkers too', 'others too',
  'nobody can', 'no one can', 'noone can', 'several people', 'many people', 'lots of people', 'multiple users', 'several users', 'all staff',
  'same problem', 'same issue',
];

/**
 * Everyday verbs of a problem report ("I can't *listen* to my voicemail", "the window *closes*"):
 * when no flow uses them they are neutral, not a sign that the message is about something else.
 */
export const GENERIC_VERBS = (
  'open opens opened opening close closes closed closing load loads loaded loading sync syncs synced syncing listen listening ' +
  'show shows showed shown showing see sees saw seen find finds found use uses used using try tries tried trying say says said ' +
  'look looks looked click clicked type typed start starts started stop stops stopped come comes came go goes went going ' +
  'make makes made give gives gave take takes took put turn turned happen happens happened appear appears appeared display displays ' +
  'seem seems seemed let lets allow allows allowed check checked tell told follow follows'
).split(' ');

/**
 * Words that say when, how often or where ("it *always* happens", "at my *desk*", "*suddenly*
 * since *monday*"): like the everyday verbs, neutral when no flow uses them.
 */
export const CONTEXT_WORDS = (
  'always never sometimes often usually constantly continuously repeatedly randomly suddenly anymore recently lately earlier later ' +
  'soon already yet once twice whenever everytime forever first last next previous new old current ' +
  'monday tuesday wednesday thursday friday saturday sunday weekend tomorrow tonight month months year years ' +
  'desk office home remote remotely site building floor ' +
  // Where on the screen.
  'left side top bottom corner sidebar screen ' +
  'weird strange odd annoying frustrating properly correctly normal normally completely totally ' +
  'boss manager colleague colleagues coworker coworkers teammate teammates'
).split(' ');

/** Everyday variants of words the flows use, folded into one word before scoring (flow files add their own). */
export const COMMON_SYNONYMS: Readonly<Record<string, readonly string[]>> = {
  colleague: ['coworker', 'co worker', 'workmate', 'teammate', 'team mate'],
  colleagues: ['coworkers', 'co workers', 'workmates', 'teammates', 'team mates'],
  // The whole suite, not one app: "locked out of office 365" is not about *out of office*.
  m365: ['office 365', 'office365', 'o365', 'microsoft 365', 'microsoft365', 'ms 365', 'ms365', 'ms office', 'microsoft office'],
};
