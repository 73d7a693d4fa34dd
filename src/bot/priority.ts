/**
 * Ticket priority as ITIL impact × urgency (m365-triage-facts §5.2). Impact comes from who else
 * is affected; urgency from whether the user can still work.
 */
import type { Affected, Priority } from './ports';

export type Level = 'high' | 'medium' | 'low';

const MATRIX: Record<Level, Record<Level, Priority>> = {
  high: { high: 'P1', medium: 'P2', low: 'P3' },
  medium: { high: 'P2', medium: 'P3', low: 'P4' },
  low: { high: 'P3', medium: 'P4', low: 'P4' },
};

/** Many users → high impact, a group → medium, only the requester (or not known) → low. */
export function impactOf(affected: Affected | undefined): Level {
  if (affected === 'many') return 'high';
  if (affected === 'some') return 'medium';
  return 'low';
}

export function priorityOf(impact: Level, urgency: Level): Priority {
  return MATRIX[impact][urgency];
}

const RANK: Record<Level, number> = { low: 0, medium: 1, high: 2 };

/**
 * The priority a new ticket gets; urgency defaults to "degraded, with a workaround". A flow may
 * set a least impact (a suspected compromise is high impact even when one user reports it).
 */
export function ticketPriority(affected: Affected | undefined, urgency: Level = 'medium', leastImpact: Level = 'low'): Priority {
  const impact = impactOf(affected);
  return priorityOf(RANK[leastImpact] > RANK[impact] ? leastImpact : impact, urgency);
}
