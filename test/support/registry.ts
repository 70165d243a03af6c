// A task definition registry as ECS keeps one, for stories that span several steps: a
// registration is the family's next revision, with its tags; DescribeTaskDefinition (with TAGS),
// ListTaskDefinitions (ACTIVE, newest first) and DeregisterTaskDefinition answer from it. It
// takes over those calls of the mocked ECS client it is given.
import {
  DeregisterTaskDefinitionCommand,
  DescribeTaskDefinitionCommand,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
  type ECSClientResolvedConfig,
  type RegisterTaskDefinitionCommandInput,
  type ServiceInputTypes,
  type ServiceOutputTypes,
  type Tag,
  type TaskDefinition
} from '@aws-sdk/client-ecs'
import type { AwsStub } from 'aws-sdk-client-mock'
import { pinnedDigest } from '../../src/model/names.js'
import type { FakeEcs } from './scripted-ecs.js'

const ARN_PREFIX = 'arn:aws:ecs:eu-north-1:123456789012:task-definition/'

interface Kept {
  definition: TaskDefinition
  tags: Tag[]
}

export class Registry {
  private readonly kept = new Map<string, Kept>()

  constructor(ecsMock: AwsStub<ServiceInputTypes, ServiceOutputTypes, ECSClientResolvedConfig>) {
    ecsMock
      .on(RegisterTaskDefinitionCommand)
      .callsFake((input: RegisterTaskDefinitionCommandInput) => ({
        taskDefinition: this.register(input)
      }))
    ecsMock.on(DescribeTaskDefinitionCommand).callsFake((input: { taskDefinition?: string }) => {
      const found = this.find(input.taskDefinition ?? '')
      if (!found) {
        throw Object.assign(new Error('Unable to describe task definition.'), {
          name: 'ClientException',
          $fault: 'client'
        })
      }
      return { taskDefinition: found.definition, tags: found.tags }
    })
    ecsMock.on(ListTaskDefinitionsCommand).callsFake((input: { familyPrefix?: string }) => ({
      taskDefinitionArns: [...this.kept.values()]
        .map(k => k.definition)
        .filter(d => d.status === 'ACTIVE' && d.family?.startsWith(input.familyPrefix ?? ''))
        .sort((a, b) => (b.revision ?? 0) - (a.revision ?? 0))
        .map(d => d.taskDefinitionArn ?? '')
    }))
    ecsMock.on(DeregisterTaskDefinitionCommand).callsFake((input: { taskDefinition?: string }) => {
      const found = this.find(input.taskDefinition ?? '')
      if (found) found.definition = { ...found.definition, status: 'INACTIVE' }
      return { taskDefinition: found?.definition }
    })
  }

  /** Makes the fake's running tasks report, container by container, the digest their revision pins. */
  runsPinned(ecs: Pick<FakeEcs, 'taskContainers'>): void {
    ecs.taskContainers = arn =>
      this.find(arn)?.definition.containerDefinitions?.map(c => ({
        name: c.name,
        imageDigest: pinnedDigest(c.image)
      }))
  }

  /** Puts a revision in the registry as it is, with its tags. */
  add(definition: TaskDefinition, tags: Tag[] = []): void {
    this.kept.set(definition.taskDefinitionArn ?? '', { definition, tags })
  }

  /** The ACTIVE revisions of a family, oldest first, as `family:N`. */
  active(family: string): string[] {
    return [...this.kept.values()]
      .map(k => k.definition)
      .filter(d => d.family === family && d.status === 'ACTIVE')
      .sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0))
      .map(d => `${family}:${d.revision ?? 0}`)
  }

  /** The tags of a revision (`family:N`). */
  tags(name: string): Tag[] {
    return this.find(name)?.tags ?? []
  }

  private register(input: RegisterTaskDefinitionCommandInput): TaskDefinition {
    const family = input.family ?? ''
    const revision =
      Math.max(
        0,
        ...[...this.kept.values()]
          .filter(k => k.definition.family === family)
          .map(k => k.definition.revision ?? 0)
      ) + 1
    const { tags, ...fields } = input
    const definition = {
      ...fields,
      taskDefinitionArn: `${ARN_PREFIX}${family}:${revision}`,
      revision,
      status: 'ACTIVE'
    } as TaskDefinition
    this.add(definition, tags ?? [])
    return definition
  }

  private find(ref: string): Kept | undefined {
    const name = ref.slice(ref.lastIndexOf('/') + 1)
    return this.kept.get(`${ARN_PREFIX}${name}`)
  }
}
