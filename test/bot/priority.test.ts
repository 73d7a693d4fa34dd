import { impactOf, priorityOf, ticketPriority } from '../../src/bot/priority';

describe('ticket priority (impact × urgency)', () => {
  it('follows the ITIL matrix', () => {
    const levels = ['high', 'medium', 'low'] as const;
    const table = levels.map((impact) => levels.map((urgency) => priorityOf(impact, urgency)));
    expect(table).toEqual([
      ['P1', 'P2', 'P3'],
      ['P2', 'P3', 'P4'],
      ['P3', 'P4', 'P4'],
    ]);
  });

  it('raises the impact with the number of people affected', () => {
    expect(['me', 'unknown', 'some', 'many'].map((a) => impactOf(a as never))).toEqual(['low', 'low', 'medium', 'high']);
    expect(ticketPriority('many', 'high')).toBe('P1');
    expect(ticketPriority('me', 'high')).toBe('P3');
    expect(ticketPriority(undefined)).toBe('P4');
  });

  it('keeps a least impact set by the flow (a suspected compromise reported by one user)', () => {
    expect(ticketPriority('me', 'high', 'high')).toBe('P1');
    expect(ticketPriority(undefined, 'medium', 'medium')).toBe('P3');
    // More people affected than the least impact still counts.
    expect(ticketPriority('many', 'high', 'low')).toBe('P1');
  });
});
