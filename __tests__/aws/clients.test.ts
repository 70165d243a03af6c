import { describe, expect, test } from 'vitest'
import { AwsError, transientProblem } from '../../src/aws/clients.js'

describe('transientProblem', () => {
  const sdkError = (name: string, extra: object = {}): Error =>
    Object.assign(new Error('x'), { name, ...extra })

  test.each<[string, unknown, ReturnType<typeof transientProblem>]>([
    ['ThrottlingException', sdkError('ThrottlingException'), 'throttled'],
    [
      'wrapped by the ECS wrapper',
      new AwsError('Could not describe', sdkError('ThrottlingException')),
      'throttled'
    ],
    [
      'marked throttling by the SDK',
      sdkError('Whatever', { $retryable: { throttling: true } }),
      'throttled'
    ],
    ['503', sdkError('ServiceUnavailable', { $metadata: { httpStatusCode: 503 } }), 'unavailable'],
    ['ServerException', sdkError('ServerException'), 'unavailable'],
    [
      'a dropped connection',
      Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
      'unavailable'
    ],
    [
      'AccessDenied',
      new AwsError(
        'Could not describe',
        sdkError('AccessDeniedException', { $metadata: { httpStatusCode: 400 } })
      ),
      undefined
    ],
    [
      'service not found',
      new Error('ECS service s was not found in cluster c (MISSING)'),
      undefined
    ],
    ['a string', 'ThrottlingException', undefined],
    ['HTTP 429', sdkError('Unknown', { $metadata: { httpStatusCode: 429 } }), 'throttled'],
    [
      'throttling two wrappers down',
      new AwsError('Could not watch', new AwsError('Could not describe', sdkError('Throttling'))),
      'throttled'
    ],
    [
      'a 502 from a proxy',
      sdkError('Unknown', { $metadata: { httpStatusCode: 502 } }),
      'unavailable'
    ],
    ['an answer lost', sdkError('TimeoutError'), 'unavailable'],
    [
      'a host that does not resolve',
      Object.assign(new Error('getaddrinfo ENOTFOUND ecs'), { code: 'ENOTFOUND' }),
      'unavailable'
    ],
    [
      'a refused parameter',
      sdkError('InvalidParameterException', {
        $fault: 'client',
        $metadata: { httpStatusCode: 400 }
      }),
      undefined
    ],
    ['a cancelled call', sdkError('AbortError'), undefined],
    ['null', null, undefined]
  ])('%s', (_name, error, problem) => {
    expect(transientProblem(error)).toBe(problem)
  })
})

test('AwsError says what was being done and keeps the SDK error name', () => {
  const cause = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' })
  const error = new AwsError('Could not describe ECS service api', cause)
  expect(error.message).toBe(
    'Could not describe ECS service api: ThrottlingException: Rate exceeded'
  )
  expect(error.cause).toBe(cause)
})
