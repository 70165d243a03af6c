import type { TaskDefinition } from '@aws-sdk/client-ecs'
import { describe, expect, test, vi } from 'vitest'
import type { LogLine } from '../../src/aws/logs.js'
import { awslogsGroup, logFindings, logStreams } from '../../src/verify/logs.js'
import { babyshield } from '../../test/support/task-definitions.js'
import { task } from '../../test/support/rollout-shapes.js'

vi.mock('@actions/core')

describe('logStreams', () => {
  const definition = (
    options: Record<string, string> | undefined,
    driver = 'awslogs'
  ): TaskDefinition => ({
    containerDefinitions: [
      {
        name: 'app',
        ...(options ? { logConfiguration: { logDriver: driver as 'awslogs', options } } : {})
      },
      { name: 'sidecar' }
    ]
  })
  const stopped = task('0123abcd')

  test.each<
    [
      string,
      TaskDefinition,
      string | undefined,
      { group: string; stream: string; container: string }[]
    ]
  >([
    [
      'awslogs with a prefix: prefix/container/task id in the container’s group',
      definition({ 'awslogs-group': '/ecs/api', 'awslogs-stream-prefix': 'ecs' }),
      undefined,
      [{ group: '/ecs/api', stream: 'ecs/app/0123abcd', container: 'app' }]
    ],
    [
      'the log-group input wins over the container’s group',
      definition({ 'awslogs-group': '/ecs/api', 'awslogs-stream-prefix': 'ecs' }),
      '/custom',
      [{ group: '/custom', stream: 'ecs/app/0123abcd', container: 'app' }]
    ],
    [
      'awslogs without a prefix names streams by container id: skipped',
      definition({ 'awslogs-group': '/ecs/api' }),
      undefined,
      []
    ],
    [
      'another log driver: skipped',
      definition({ 'awslogs-group': '/ecs/api', 'awslogs-stream-prefix': 'ecs' }, 'fluentd'),
      undefined,
      []
    ],
    ['no log configuration', definition(undefined), undefined, []]
  ])('%s', (_story, taskDefinition, logGroup, streams) => {
    expect(logStreams(taskDefinition, stopped, logGroup)).toEqual(streams)
  })
})

test.each([
  ['api', '/ecs/babyshield-backend'],
  ['envoy', undefined],
  ['missing', undefined]
])('awslogsGroup of container %s is %s', (container, group) => {
  expect(awslogsGroup(babyshield, container)).toBe(group)
})

describe('logFindings', () => {
  const at = Date.parse('2026-11-26T09:58:01Z')
  const line = (message: string, offset = 0): LogLine => ({
    timestamp: at + offset * 1000,
    stream: 'ecs/api/t1',
    message
  })

  test.each<[string, LogLine[], 'pass' | 'warn', string]>([
    ['no errors', [], 'pass', 'no ERROR lines in /ecs/api in the last 10 minutes'],
    [
      'errors: the last three are quoted, on one line each',
      [line('ERROR a'), line('ERROR b'), line('ERROR c\n  at x'), line('ERROR d')],
      'warn',
      '4 ERROR lines in /ecs/api in the last 10 minutes; the last: ERROR b | ERROR c at x | ERROR d'
    ],
    [
      'a full page of errors is a lower bound',
      Array.from({ length: 1000 }, (_, i) => line(`ERROR ${i}`)),
      'warn',
      'at least 1000 ERROR lines in /ecs/api in the last 10 minutes; the last: ERROR 997 | ERROR 998 | ERROR 999'
    ]
  ])('%s', (_, errors, status, detail) => {
    const { check, logs } = logFindings('/ecs/api', 10, [line('started', 0)], errors)
    expect(check).toEqual({ name: 'recent ERROR logs', status, detail })
    expect(logs).toEqual({
      group: '/ecs/api',
      lines: ['09:58:01 started'],
      errorCount: errors.length
    })
  })
})

describe('logFindings of the whole group, when the service’s streams cannot be named', () => {
  const line = (message: string): LogLine => ({ timestamp: 0, stream: 'web/web/1', message })
  const whole =
    'container worker has no awslogs-stream-prefix, so its streams cannot be told from the others'

  test.each<[string, LogLine[], 'pass' | 'warn', string]>([
    [
      'no errors anywhere in the group',
      [],
      'pass',
      `no ERROR lines in /ecs/shared in the last 10 minutes (the whole group: ${whole})`
    ],
    [
      'another service’s errors are not called the service’s',
      [line('ERROR web: timeout')],
      'warn',
      `1 ERROR line in /ecs/shared in the last 10 minutes, of any task or service that logs there, not only this service's (${whole}); the last: ERROR web: timeout`
    ]
  ])('%s', (_name, errors, status, detail) => {
    const { check, logs } = logFindings('/ecs/shared', 10, [], errors, { whole })
    expect(check).toEqual({ name: 'recent ERROR logs', status, detail })
    expect(logs).toEqual({ group: '/ecs/shared', lines: [], errorCount: errors.length, whole })
  })
})
