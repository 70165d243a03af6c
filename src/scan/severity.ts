// Finding severities, lowest first: ECR's basic scanning and Amazon Inspector rank findings alike,
// each with one word of its own for a finding not ranked yet (UNDEFINED, UNTRIAGED).

export const SEVERITIES = ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const

export type Severity = (typeof SEVERITIES)[number]

/** 1 (INFORMATIONAL) to 5 (CRITICAL); 0 for a severity not ranked (UNDEFINED, UNTRIAGED, unknown). */
export function rank(severity: string): number {
  return (SEVERITIES as readonly string[]).indexOf(severity.toUpperCase()) + 1
}

/** Whether a finding of `severity` is at or above `level`; one not ranked never is. */
export function atOrAbove(severity: string, level: Severity): boolean {
  const found = rank(severity)
  return found > 0 && found >= rank(level)
}
