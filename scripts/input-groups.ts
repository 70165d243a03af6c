// The README's inputs, a table a purpose. Every input of action.yml is in exactly one group:
// `npm run docs:tables` and __tests__/repository/readme.test.ts fail on an input that is in none.
//
// A new input: add its name to the group of what it is for, where it should show in the table.
// A new purpose: add a group, where its heading should come in the README.

export interface InputGroup {
  /** The heading above the group's table in the README. */
  title: string
  /** One sentence under the heading: when these inputs matter. */
  about: string
  /** The inputs, in the order of the table's rows. */
  inputs: readonly string[]
}

export const INPUT_GROUPS: readonly InputGroup[] = [
  {
    title: 'What and where',
    about: 'What to act on, in every mode.',
    inputs: [
      'mode',
      'cluster',
      'service',
      'ecr-repository',
      'aws-region',
      'container-name',
      'dry-run'
    ]
  },
  {
    title: 'Deploy: the build and the image',
    about:
      'What deploy builds and pushes, or takes from ECR instead; `tag` also names what verify expects.',
    inputs: ['tag', 'tag-prefix', 'dockerfile', 'context', 'build-args', 'build-cache', 'image']
  },
  {
    title: 'Watch and rollback',
    about:
      'How a rollout is watched, and what a failed one does ([docs/rollout.md](docs/rollout.md)).',
    inputs: ['wait', 'timeout-minutes', 'poll-seconds', 'rollback-on-failure']
  },
  {
    title: 'Verification',
    about:
      'The checks after every rollout and in verify mode ([docs/rollout.md](docs/rollout.md#verification)).',
    inputs: ['health-check-url', 'log-group', 'logs-since-minutes']
  },
  {
    title: 'Bake',
    about:
      'Deploy: watching the new revision after its rollout completes ([docs/bake.md](docs/bake.md)).',
    inputs: ['bake-minutes', 'bake-error-patterns', 'bake-error-min', 'bake-error-ratio']
  },
  {
    title: 'Bake: the judge',
    about:
      "The load balancer's 5xx share and p99 and the team's alarms, new revision against old, during the bake and the traffic shift ([docs/judge.md](docs/judge.md)).",
    inputs: [
      'bake-5xx',
      'bake-5xx-margin',
      'bake-latency',
      'bake-latency-margin',
      'bake-min-requests',
      'bake-confidence',
      'bake-alarms'
    ]
  },
  {
    title: 'Traffic shift',
    about:
      'Deploy to BLUE_GREEN, LINEAR and CANARY services: judging the release while ECS shifts traffic to it, as the bake does after ([docs/traffic-shift.md](docs/traffic-shift.md)).',
    inputs: ['approve-pauses', 'pause-watch-minutes', 'test-traffic-url']
  },
  {
    title: 'Migration',
    about:
      'Deploy: a one-off task of the new revision before the rollout ([docs/migration.md](docs/migration.md)).',
    inputs: ['migration-command', 'migration-container', 'migration-timeout-minutes']
  },
  {
    title: 'Scan gate',
    about:
      'Deploy: refusing an image whose ECR scan has findings at or above a severity, before any revision is registered ([docs/cleanup-and-scan.md](docs/cleanup-and-scan.md)).',
    inputs: ['fail-on-severity', 'allow-cves', 'scan-timeout-minutes', 'scan-unavailable']
  },
  {
    title: 'Cleanup',
    about:
      'Deploy: after a release that succeeded, old revisions and images go, never what runs or can be rolled back to ([docs/cleanup-and-scan.md](docs/cleanup-and-scan.md)).',
    inputs: ['keep-revisions', 'keep-images']
  },
  {
    title: 'Rollback mode',
    about: 'What `mode: rollback` puts back ([docs/rollout.md](docs/rollout.md#rollback-targets)).',
    inputs: ['rollback-to']
  },
  {
    title: 'Records',
    about:
      'The audit trail and the GitHub deployment record ([docs/github-deployments.md](docs/github-deployments.md)).',
    inputs: ['deployment-notes', 'github-token', 'environment']
  }
]
