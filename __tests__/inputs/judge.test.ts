// The judge's inputs: each text to its value, every refusal naming the input and the form it
// expects, through parseInputs as a workflow gives them.
import { describe, expect, test } from 'vitest'
import { InputError, parseInputs } from '../../src/inputs/inputs.js'
import { parseAlarms, trafficSettings } from '../../src/inputs/judge.js'

const BASE: Record<string, string> = {
  cluster: 'babyshield-cluster',
  service: 'babyshield-backend-service',
  'ecr-repository': 'babyshield-backend',
  'aws-region': 'eu-north-1'
}
const parse = (overrides: Record<string, string>) =>
  parseInputs(name => ({ ...BASE, ...overrides })[name] ?? '')

function problemOf(overrides: Record<string, string>): string {
  try {
    parse(overrides)
  } catch (error) {
    expect(error).toBeInstanceOf(InputError)
    return (error as InputError).message
  }
  throw new Error('expected the inputs to be refused')
}

describe('parseAlarms', () => {
  test.each<[string, { names: string[]; prefixes: string[] }]>([
    ['', { names: [], prefixes: [] }],
    ['babyshield-api-5xx', { names: ['babyshield-api-5xx'], prefixes: [] }],
    [
      'babyshield-api-5xx\n  babyshield-db, cpu high  \n\nbabyshield-api-*\nbabyshield-api-5xx',
      { names: ['babyshield-api-5xx', 'babyshield-db, cpu high'], prefixes: ['babyshield-api-'] }
    ],
    ['payments-*\r\nsearch-*', { names: [], prefixes: ['payments-', 'search-'] }]
  ])('%j', (value, selector) => expect(parseAlarms(value)).toEqual(selector))

  test.each([
    ['*', "bake-alarms line '*' is not an alarm name or prefix"],
    ['api-*-5xx', "bake-alarms line 'api-*-5xx' is not an alarm name or prefix"],
    ['x'.repeat(256), 'at most 255 characters'],
    ['tab\there', "bake-alarms line 'tab here' is not an alarm name or prefix"],
    [
      Array.from({ length: 101 }, (_, i) => `alarm-${i}`).join('\n'),
      'bake-alarms names 101 alarms: at most 100'
    ],
    [['a*', 'b*', 'c*', 'd*', 'e*', 'f*'].join('\n'), 'bake-alarms gives 6 prefixes: at most 5']
  ])('refuses %j', (value, message) => expect(() => parseAlarms(value)).toThrow(message))
})

describe('the judge inputs in parseInputs', () => {
  test('given: each becomes its value, and the traffic settings the judge takes', () => {
    const inputs = parse({
      'bake-5xx': 'false',
      'bake-5xx-margin': '50',
      'bake-latency': 'true',
      'bake-latency-margin': '10.5',
      'bake-min-requests': '1000',
      'bake-confidence': '98',
      'bake-alarms': 'babyshield-api-*\n'
    })
    expect(inputs.bakeAlarms).toEqual({ names: [], prefixes: ['babyshield-api-'] })
    expect(trafficSettings(inputs)).toEqual({
      fiveXx: false,
      fiveXxMargin: 50,
      latency: true,
      latencyMargin: 10.5,
      minRequests: 1000,
      confidence: 98
    })
  })

  test.each([
    [{ 'bake-5xx': 'yes' }, "bake-5xx 'yes' is not a boolean: expected true or false"],
    [{ 'bake-latency': 'off' }, "bake-latency 'off' is not a boolean: expected true or false"],
    [
      { 'bake-5xx-margin': '-5' },
      "bake-5xx-margin '-5' is not valid: expected a number at least 0 and at most 1000"
    ],
    [
      { 'bake-latency-margin': '20%' },
      "bake-latency-margin '20%' is not valid: expected a number at least 0 and at most 1000"
    ],
    [
      { 'bake-min-requests': '0' },
      "bake-min-requests '0' is not valid: expected a whole number from 1 to 10000000"
    ],
    [
      { 'bake-confidence': '0.99' },
      "bake-confidence '0.99' is not valid: expected a number at least 90 and at most 99.99"
    ],
    [
      { 'bake-confidence': '100' },
      "bake-confidence '100' is not valid: expected a number at least 90 and at most 99.99"
    ],
    [{ 'bake-alarms': 'api-*-5xx' }, "bake-alarms line 'api-*-5xx' is not an alarm name or prefix"]
  ])('refuses %o before anything changes: %s', (overrides, message) => {
    expect(problemOf(overrides)).toContain(message)
  })

  test('every problem at once', () => {
    const message = problemOf({ 'bake-5xx': 'maybe', 'bake-confidence': '50' })
    expect(message).toMatch(
      /^Invalid inputs:\n {2}- bake-5xx 'maybe'.*\n {2}- bake-confidence '50'/
    )
  })
})
