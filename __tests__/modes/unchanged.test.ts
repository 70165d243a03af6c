import { describe, expect, test } from 'vitest'
import { AwsError } from '../../src/aws/clients.js'
import { NothingChangedError } from '../../src/model/errors.js'
import { nothingChanged } from '../../src/modes/unchanged.js'

const RUNS = 'arn:aws:ecs:eu-north-1:123456789012:task-definition/api:41'

describe('nothingChanged', () => {
  test.each<[string, unknown, 'deployed' | 'rolled back', string | undefined, string]>([
    [
      'with the revision the service runs',
      new Error('docker push of x failed (exit code 1); see the push output above'),
      'deployed',
      RUNS,
      'docker push of x failed (exit code 1); see the push output above. Nothing was deployed; the service still runs api:41.'
    ],
    [
      'before the service was read',
      new Error('Could not find ECR repository api'),
      'deployed',
      undefined,
      'Could not find ECR repository api. Nothing was deployed; the service was not changed.'
    ],
    [
      'a message that ends with a full stop',
      new Error('The tag is taken.'),
      'rolled back',
      RUNS,
      'The tag is taken. Nothing was rolled back; the service still runs api:41.'
    ],
    [
      'an AWS error keeps its SDK error name',
      new AwsError(
        'Could not describe task definition api:40',
        Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' })
      ),
      'rolled back',
      RUNS,
      'Could not describe task definition api:40: ThrottlingException: Rate exceeded. Nothing was rolled back; the service still runs api:41.'
    ],
    [
      'something thrown that is not an Error',
      'boom',
      'deployed',
      RUNS,
      'boom. Nothing was deployed; the service still runs api:41.'
    ]
  ])('%s', (_case, error, notDone, runs, message) => {
    const made = nothingChanged(error, notDone, runs)
    expect(made).toBeInstanceOf(NothingChangedError)
    expect(made.message).toBe(message)
    expect(made.cause).toBe(error)
  })

  test('an error that already says nothing changed is kept as it is', () => {
    const said = new NothingChangedError('ECS service api is DRAINING: nothing was deployed')
    expect(nothingChanged(said, 'deployed', RUNS)).toBe(said)
  })
})
