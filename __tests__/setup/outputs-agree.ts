// A property every unit and scenario test checks without saying so: when a test ends, each result
// it made says of one revision what ECS says of it. The image (and digest) a service result
// reports is the image that its task-definition-arn pins for its container, as ECS described or
// registered that revision during the test. Outputs that pair a revision with another image
// mislead whoever records them as what production runs.
import type { TaskDefinition } from '@aws-sdk/client-ecs'
import { afterEach, beforeEach, expect, vi } from 'vitest'
import { Ecs } from '../../src/aws/ecs.js'
import type { RunResult, ServiceResult } from '../../src/model/result.js'

const made: (RunResult | ServiceResult)[] = []
let seen = new Map<string, TaskDefinition>()

vi.mock('../../src/model/result.js', async importOriginal => {
  const actual = await importOriginal<typeof import('../../src/model/result.js')>()
  return {
    ...actual,
    newResult: (...args: Parameters<typeof actual.newResult>) => {
      const result = actual.newResult(...args)
      made.push(result)
      return result
    },
    newServiceResult: (...args: Parameters<typeof actual.newServiceResult>) => {
      const result = actual.newServiceResult(...args)
      made.push(result)
      return result
    }
  }
})

beforeEach(() => {
  made.length = 0
  seen = new Map()
  const describe = Ecs.prototype.taskDefinition
  vi.spyOn(Ecs.prototype, 'taskDefinition').mockImplementation(async function (
    this: Ecs,
    ...args: Parameters<Ecs['taskDefinition']>
  ) {
    const answer = await describe.apply(this, args)
    if (answer.taskDefinition.taskDefinitionArn) {
      seen.set(answer.taskDefinition.taskDefinitionArn, answer.taskDefinition)
    }
    return answer
  })
  const register = Ecs.prototype.register
  vi.spyOn(Ecs.prototype, 'register').mockImplementation(async function (
    this: Ecs,
    ...args: Parameters<Ecs['register']>
  ) {
    const answer = await register.apply(this, args)
    if (answer.taskDefinition.taskDefinitionArn) {
      seen.set(answer.taskDefinition.taskDefinitionArn, answer.taskDefinition)
    }
    return answer
  })
})

afterEach(() => {
  const services = made.flatMap(r => ('services' in r ? r.services : [r]))
  for (const service of new Set(services)) {
    const runs = service.runs
    const revision = runs?.taskDefinitionArn && seen.get(runs.taskDefinitionArn)
    if (!runs || !revision) continue
    const containers = revision.containerDefinitions ?? []
    // A result made for the watch alone names no container: a revision of one container has one.
    const container = service.containerName
      ? containers.find(c => c.name === service.containerName)
      : containers.length === 1
        ? containers[0]
        : undefined
    if (!container) continue
    const pinned = container.image
    const where = `${service.service}: task-definition-arn ${runs.taskDefinitionArn}`
    expect(runs.image, `${where} pins ${pinned ?? 'no image'}`).toBe(pinned)
    const digest = pinned ? /@(sha256:[a-f0-9]{64})$/.exec(pinned)?.[1] : undefined
    expect(runs.digest, `${where} pins ${digest ?? 'no digest'}`).toBe(digest)
  }
})
