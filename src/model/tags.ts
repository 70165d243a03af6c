// Image tag names: the runbook's date-stamped tags and the rules Docker and the runbook put on them.

const DOCKER_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/
const DIGEST = /^sha256:[a-f0-9]{64}$/

export function isDigest(value: string): boolean {
  return DIGEST.test(value)
}

/** Why a tag is refused, or undefined when it is fine. */
export function tagProblem(tag: string): string | undefined {
  if (tag.toLowerCase() === 'latest') {
    return 'is not allowed: production images are pinned by digest; use production-fixed-YYYYMMDD'
  }
  if (!DOCKER_TAG.test(tag)) {
    return "is not a valid Docker tag: expected at most 128 letters, digits, '_', '.' and '-', not starting with '.' or '-'"
  }
  return undefined
}

/** YYYYMMDD of the UTC date. */
export function dateStamp(now: Date): string {
  return now.toISOString().slice(0, 10).replace(/-/g, '')
}

/**
 * The automatic tag: `<prefix>-YYYYMMDD`, or when that is taken, `-vN` with N one more than
 * the highest suffix already used that day, so later deploys always sort after earlier ones.
 */
export function automaticTag(prefix: string, now: Date, existing: Iterable<string>): string {
  const base = `${prefix}-${dateStamp(now)}`
  let taken = false
  let highest = 1
  for (const tag of existing) {
    if (tag === base) taken = true
    else if (tag.startsWith(`${base}-v`)) {
      const suffix = tag.slice(base.length + 2)
      if (/^\d+$/.test(suffix)) {
        taken = true
        highest = Math.max(highest, Number(suffix))
      }
    }
  }
  return taken ? `${base}-v${highest + 1}` : base
}
