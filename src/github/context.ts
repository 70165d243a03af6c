// Who, what and where of this run, for the audit trail; read from the runner's environment.
import type { Audit } from '../model/result.js'

export function auditFromEnv(env: NodeJS.ProcessEnv, notes: string): Audit {
  const server = env.GITHUB_SERVER_URL || 'https://github.com'
  const repository = env.GITHUB_REPOSITORY ?? ''
  const runId = env.GITHUB_RUN_ID ?? ''
  const attempt = env.GITHUB_RUN_ATTEMPT
  const runUrl =
    repository && runId
      ? `${server}/${repository}/actions/runs/${runId}${attempt && attempt !== '1' ? `/attempts/${attempt}` : ''}`
      : ''
  return {
    commit: env.GITHUB_SHA ?? '',
    actor: env.GITHUB_TRIGGERING_ACTOR || env.GITHUB_ACTOR || '',
    repository,
    runUrl,
    notes
  }
}

export function sourceUrl(env: NodeJS.ProcessEnv): string {
  const repository = env.GITHUB_REPOSITORY
  return repository ? `${env.GITHUB_SERVER_URL || 'https://github.com'}/${repository}` : ''
}
