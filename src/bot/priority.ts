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

/** The priority a new ticket gets; urgency defaults to "degraded, with a workaround". */
export function ticketPriority(affected: Affected | undefined, urgency: Level = 'medium'): Priority {
  return priorityOf(impactOf(affected), urgency);
}
