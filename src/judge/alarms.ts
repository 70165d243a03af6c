// The team's own CloudWatch alarms (bake-alarms): one that went into ALARM since the deploy began
// is a regression, named with its reason. One that was in ALARM before is said and not held
// against the release: it cannot tell this release from what came before. Pure.
import type { AlarmState, AlarmVerdict } from './verdict.js'

/** What bake-alarms names: alarms by name, and prefixes of names. */
export interface AlarmSelector {
  names: string[]
  prefixes: string[]
}

function hhmmss(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(11, 19)
}

function asked(selector: AlarmSelector): string {
  const names = selector.names.map(n => `'${n}'`)
  const prefixes = selector.prefixes.map(p => `'${p}*'`)
  return [...names, ...prefixes].join(', ')
}

/** The verdict on the alarms read now, for a deploy that began at `since` (epoch ms). */
export function judgeAlarms(
  alarms: readonly AlarmState[],
  selector: AlarmSelector,
  since: number
): AlarmVerdict {
  const inAlarm = alarms.filter(a => a.state === 'ALARM')
  const fired = inAlarm.filter(a => a.updatedAt >= since)
  const before = inAlarm.filter(a => a.updatedAt < since)
  const figures = { fired, before, alarms: [...alarms] }
  const missing = selector.names.filter(name => !alarms.some(a => a.name === name))
  if (alarms.length === 0) {
    return {
      signal: 'alarms',
      status: 'too-little',
      reason: `alarms: none found for ${asked(selector)}`,
      figures
    }
  }
  if (fired.length > 0) {
    const named = fired.map(a => `${a.name} since ${hhmmss(a.updatedAt)} (${a.reason})`)
    return {
      signal: 'alarms',
      status: 'regressed',
      reason: `alarm${fired.length === 1 ? '' : 's'} in ALARM: ${named.join('; ')}`,
      figures
    }
  }
  const notes = [
    ...(before.length > 0
      ? [
          `in ALARM since before the deploy, not held against it: ${before.map(a => a.name).join(', ')}`
        ]
      : []),
    ...(missing.length > 0 ? [`not found: ${missing.join(', ')}`] : [])
  ]
  const watched = alarms.length === 1 ? '1 alarm' : `${alarms.length} alarms`
  return {
    signal: 'alarms',
    status: 'passed',
    reason: `alarms: none of ${watched} went into ALARM${notes.length > 0 ? ` (${notes.join('; ')})` : ''}`,
    figures
  }
}
