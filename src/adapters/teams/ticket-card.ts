/**
 * The ticket card in a Teams support channel: an Adaptive Card (1.5) rendered from the
 * channel-neutral ticket view. Buttons submit `{ ticketAction, ticketId }`; Reassign opens a
 * people picker limited to the channel's members.
 */
import type { TicketView } from '../../bot/ticket-view';

type Element = Record<string, unknown>;

export interface TicketSubmit {
  readonly ticketAction: 'assign' | 'resolve' | 'reopen' | 'reassign';
  readonly ticketId: string;
  /** Reassign: the AAD object id picked in the people picker. */
  readonly assignee?: string;
}

const text = (value: string, extra: Element = {}): Element => ({ type: 'TextBlock', text: value, wrap: true, ...extra });

/**
 * Teams renders Markdown in TextBlocks and FactSet values, and the card shows what users typed
 * (summary, answers, thread messages, names). A zero-width space after `]`, `!` and before `(`
 * breaks link and image syntax (`[text](url)`), so nobody can dress a link up in front of staff;
 * the text reads the same.
 */
export function defuseMarkdown(value: string): string {
  return value.replace(/\]\(/g, ']\u200B(').replace(/!\[/g, '!\u200B[').replace(/<(https?:)/gi, '<\u200B$1');
}

function listBlock(heading: string, lines: readonly string[]): Element[] {
  if (lines.length === 0) return [];
  return [text(heading, { weight: 'Bolder', spacing: 'Medium' }), text(lines.map((l) => `- ${defuseMarkdown(l.replace(/\n/g, ' '))}`).join('\n'))];
}

export function ticketCard(view: TicketView, ticketId: string): Element {
  const actions: Element[] = view.actions.map((a) =>
    a.id === 'reassign'
      ? {
          type: 'Action.ShowCard',
          title: a.label,
          card: {
            type: 'AdaptiveCard',
            body: [
              {
                type: 'Input.ChoiceSet',
                id: 'assignee',
                label: 'New assignee',
                isRequired: true,
                errorMessage: 'Pick a person',
                choices: [],
                'choices.data': { type: 'Data.Query', dataset: 'graph.microsoft.com/users?scope=currentContext' },
              },
            ],
            actions: [{ type: 'Action.Submit', title: 'Reassign', data: { ticketAction: 'reassign', ticketId } satisfies TicketSubmit }],
          },
        }
      : {
          type: 'Action.Submit',
          title: a.label,
          ...(a.id === 'resolve' ? { style: 'positive' } : {}),
          data: { ticketAction: a.id, ticketId } satisfies TicketSubmit,
        },
  );
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.5',
    fallbackText: view.summaryLine,
    body: [
      text(defuseMarkdown(view.title), { size: 'Medium', weight: 'Bolder' }),
      { type: 'FactSet', facts: view.facts.map((f) => ({ title: f.label, value: defuseMarkdown(f.value) })) },
      ...listBlock('Answers', view.answers),
      ...listBlock('Tried', view.tried),
      ...listBlock('Messages', view.messages),
    ],
    actions,
  };
}

/** Reads a ticket button's submit data; anything else (another card's data, a forgery) is undefined. */
export function parseTicketSubmit(value: unknown): TicketSubmit | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const action = v.ticketAction;
  if (action !== 'assign' && action !== 'resolve' && action !== 'reopen' && action !== 'reassign') return undefined;
  if (typeof v.ticketId !== 'string' || !/^HD-\d+$/.test(v.ticketId)) return undefined;
  if (action === 'reassign' && (typeof v.assignee !== 'string' || v.assignee === '')) return undefined;
  return { ticketAction: action, ticketId: v.ticketId, ...(typeof v.assignee === 'string' ? { assignee: v.assignee } : {}) };
}
