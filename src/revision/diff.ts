// A line diff of two values as pretty JSON, for the dry-run plan.

/** A line diff of two values as pretty JSON: ` ` kept, `-` removed, `+` added, with context. */
export function diffJson(before: unknown, after: unknown, context = 3): string {
  const a = JSON.stringify(before, null, 2).split('\n')
  const b = JSON.stringify(after, null, 2).split('\n')
  const ops = lineDiff(a, b)
  const keep = ops.map(op => op.kind !== ' ')
  const shown = ops.map((_, i) => {
    for (let j = Math.max(0, i - context); j <= Math.min(ops.length - 1, i + context); j++) {
      if (keep[j]) return true
    }
    return false
  })
  const lines: string[] = []
  let skipped = false
  ops.forEach((op, i) => {
    if (shown[i]) {
      lines.push(`${op.kind} ${op.line}`)
      skipped = false
    } else if (!skipped) {
      lines.push('  ...')
      skipped = true
    }
  })
  return ops.some(op => op.kind !== ' ') ? lines.join('\n') : '(no change)'
}

interface DiffOp {
  kind: ' ' | '-' | '+'
  line: string
}

/** Longest-common-subsequence line diff; task definitions are small enough for O(n·m). */
function lineDiff(a: string[], b: string[]): DiffOp[] {
  const n = a.length
  const m = b.length
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0))
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i]![j] =
        a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!)
    }
  }
  const ops: DiffOp[] = []
  let i = 0
  let j = 0
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      ops.push({ kind: ' ', line: a[i]! })
      i++
      j++
    } else if (lcs[i + 1]![j]! >= lcs[i]![j + 1]!) {
      ops.push({ kind: '-', line: a[i++]! })
    } else {
      ops.push({ kind: '+', line: b[j++]! })
    }
  }
  while (i < n) ops.push({ kind: '-', line: a[i++]! })
  while (j < m) ops.push({ kind: '+', line: b[j++]! })
  return ops
}
