// The ECS wrapper over HTTP, against a local server that speaks ECS's JSON: a field newer than
// the bundled SDK (which drops what it does not know) survives from one revision to the next.
import { ECSClient } from '@aws-sdk/client-ecs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, afterEach, beforeAll, beforeEach, expect, test, vi } from 'vitest'
import { Ecs } from '../../src/aws/ecs.js'
import { nextRevision } from '../../src/revision/next.js'

const ARN = 'arn:aws:ecs:eu-north-1:123456789012:task-definition/babyshield-backend-task:41'
const DIGEST = `sha256:${'b'.repeat(64)}`
const IMAGE = `123456789012.dkr.ecr.eu-north-1.amazonaws.com/babyshield-backend@${DIGEST}`

/** A task definition as a newer ECS sends it: two fields this SDK has never heard of. */
const described = {
  taskDefinition: {
    taskDefinitionArn: ARN,
    family: 'babyshield-backend-task',
    revision: 41,
    status: 'ACTIVE',
    registeredAt: 1795687200.123,
    cpu: '1024',
    memory: '2048',
    futureKnob: { mode: 'fast', weights: [1, 2] },
    containerDefinitions: [
      { name: 'api', image: 'old', essential: true, containerFutureField: { enabled: true } }
    ]
  },
  tags: [{ key: 'team', value: 'platform' }]
}

const received: { target: string; body: Record<string, unknown> }[] = []
let server: Server
let ecs: Ecs

beforeAll(async () => {
  server = createServer((req, res) => {
    let text = ''
    req.on('data', (chunk: Buffer) => (text += chunk.toString()))
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '')
      received.push({ target, body: JSON.parse(text) as Record<string, unknown> })
      res.setHeader('content-type', 'application/x-amz-json-1.1')
      if (target.endsWith('DescribeTaskDefinition')) {
        res.end(JSON.stringify(described))
      } else if (target.endsWith('RegisterTaskDefinition')) {
        const body = JSON.parse(text) as Record<string, unknown>
        res.end(
          JSON.stringify({
            taskDefinition: { ...body, taskDefinitionArn: ARN.replace(':41', ':42'), revision: 42 }
          })
        )
      } else {
        res.statusCode = 400
        res.end('{}')
      }
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', () => resolve()))
  const { port } = server.address() as AddressInfo
  const client = new ECSClient({
    region: 'eu-north-1',
    endpoint: `http://127.0.0.1:${port}`,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1
  })
  ecs = new Ecs(client, 'babyshield-cluster')
})

// The SDK's JSON body is a Uint8Array whose string methods print a JsonCodec warning into every
// job log; reading it for sendWhole must not call one. The SDK warns once a minute at most, so
// every test of this file is watched: the first registration would be the one to warn.
const warned: string[] = []
beforeEach(() => {
  warned.length = 0
  vi.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => {
    warned.push(args.map(String).join(' '))
  })
})
afterEach(() => {
  expect(warned.filter(line => line.includes('JsonCodec'))).toEqual([])
})

afterAll(async () => {
  await new Promise<void>(resolve => server.close(() => resolve()))
})

test('fields the SDK does not know are read, named, and registered in the next revision', async () => {
  const current = await ecs.taskDefinition(ARN)
  expect(current.unknownFields).toEqual([
    'futureKnob',
    'containerDefinitions[api].containerFutureField'
  ])
  // What the SDK knows, parsed as usual; what it does not, kept as ECS sent it.
  expect(current.taskDefinition.registeredAt).toEqual(new Date(1795687200123))
  expect(current.taskDefinition).toMatchObject({ futureKnob: { mode: 'fast', weights: [1, 2] } })

  const next = nextRevision(current.taskDefinition, current.tags, {
    containerName: 'api',
    image: IMAGE,
    auditTags: [{ key: 'deploy:image-tag', value: 'production-fixed-20261126' }]
  })
  await ecs.register(next)

  const sent = received.find(r => r.target.endsWith('RegisterTaskDefinition'))?.body
  expect(sent).toMatchObject({
    family: 'babyshield-backend-task',
    cpu: '1024',
    futureKnob: { mode: 'fast', weights: [1, 2] },
    containerDefinitions: [
      { name: 'api', image: IMAGE, essential: true, containerFutureField: { enabled: true } }
    ],
    tags: [
      { key: 'deploy:image-tag', value: 'production-fixed-20261126' },
      { key: 'team', value: 'platform' }
    ]
  })
  for (const field of ['taskDefinitionArn', 'revision', 'status', 'registeredAt']) {
    expect(sent).not.toHaveProperty(field)
  }
})

test('without unknown fields, the SDK serializes the request itself', async () => {
  received.length = 0
  await ecs.register({
    family: 'babyshield-backend-task',
    containerDefinitions: [{ name: 'api', image: IMAGE }]
  })
  expect(received[0]?.body).toEqual({
    family: 'babyshield-backend-task',
    containerDefinitions: [{ name: 'api', image: IMAGE }]
  })
})
