import { expect, test } from 'vitest'
import { errorText, NothingChangedError, ReportedError } from '../../src/model/errors.js'

test.each<[unknown, string]>([
  [new Error('boom'), 'boom'],
  ['a string', 'a string'],
  [{ code: 42 }, '{"code":42}'],
  [undefined, 'undefined'],
  [
    Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }),
    'ThrottlingException: Rate exceeded'
  ],
  [new TypeError('x is not a function'), 'TypeError: x is not a function'],
  [new ReportedError('ECS service api is DRAINING'), 'ECS service api is DRAINING'],
  [new NothingChangedError('Nothing was deployed'), 'Nothing was deployed']
])('errorText(%o)', (thrown, message) => {
  expect(errorText(thrown)).toBe(message)
})
