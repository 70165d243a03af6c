// What moto drops of a task definition, kept by the layer: moto stores only the fields it
// models, as the AWS SDK does, so a field newer than moto (or than the SDK) would vanish between
// RegisterTaskDefinition and DescribeTaskDefinition. The layer keeps every registration's request
// as sent and puts back into moto's answers what moto left out, as ECS keeps a field it knows.
import { missingPaths, withMissing } from '../../../../src/aws/raw.js'
import type { Upstream } from '../moto.js'
import { toJson } from './present.js'

type Json = Record<string, unknown>

interface Answer {
  status: number
  body: string | Buffer
  headers?: Upstream['headers']
}

export class TaskDefinitionStore {
  /** Each registration's request (tags aside), by the ARN moto gave the revision. */
  private readonly sent = new Map<string, Json>()

  reset(): void {
    this.sent.clear()
  }

  /** RegisterTaskDefinition through moto, keeping the request; the answer gets what moto dropped. */
  async register(request: Json, forward: () => Promise<Upstream>): Promise<Answer> {
    const upstream = await forward()
    if (upstream.status !== 200) return upstream
    const answer = JSON.parse(upstream.body.toString('utf8')) as { taskDefinition?: Json }
    const arn = arnOf(answer.taskDefinition)
    const { tags: _tags, ...definition } = request
    if (arn && missingPaths(definition, answer.taskDefinition).length > 0) {
      this.sent.set(arn, definition)
    }
    return this.complete(answer)
  }

  /** DescribeTaskDefinition through moto, with what moto dropped put back. */
  async describe(forward: () => Promise<Upstream>): Promise<Answer> {
    const upstream = await forward()
    if (upstream.status !== 200) return upstream
    return this.complete(JSON.parse(upstream.body.toString('utf8')) as { taskDefinition?: Json })
  }

  /** Fields of revisions the layer kept, for its status page. */
  dropped(): Record<string, string[]> {
    return Object.fromEntries([...this.sent].map(([arn, body]) => [arn, Object.keys(body)]))
  }

  private complete(answer: { taskDefinition?: Json }): Answer {
    const arn = arnOf(answer.taskDefinition)
    const kept = this.sent.get(arn)
    const taskDefinition = kept ? withMissing(answer.taskDefinition, kept) : answer.taskDefinition
    return { status: 200, body: toJson({ ...answer, taskDefinition }) }
  }
}

function arnOf(taskDefinition: Json | undefined): string {
  const arn = taskDefinition?.taskDefinitionArn
  return typeof arn === 'string' ? arn : ''
}
