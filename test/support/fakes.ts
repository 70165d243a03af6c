// Test doubles shared by the unit and scenario tests: a virtual clock, a recording Docker, and
// Deps whose AWS clients are mocked with aws-sdk-client-mock (the fake of ECS one call deep).
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs'
import { ECRClient } from '@aws-sdk/client-ecr'
import { ECSClient } from '@aws-sdk/client-ecs'
import { mockClient } from 'aws-sdk-client-mock'
import { Ecr } from '../../src/aws/ecr.js'
import { Ecs } from '../../src/aws/ecs.js'
import { Logs } from '../../src/aws/logs.js'
import type { Clock } from '../../src/model/clock.js'
import type { Deps } from '../../src/deps.js'
import { fakeLoadBalancer } from './load-balancer.js'
import type { BuildOutcome, BuildRequest, Docker } from '../../src/docker/docker.js'

/** A clock whose sleep moves time forward at once. */
export class FakeClock implements Clock {
  sleeps: number[] = []
  readonly start: number
  constructor(public time = Date.parse('2026-11-26T10:00:00Z')) {
    this.start = time
  }
  now(): number {
    return this.time
  }
  sleep(ms: number): Promise<void> {
    this.sleeps.push(ms)
    this.time += ms
    return Promise.resolve()
  }
  /** Seconds since the clock was made. */
  get seconds(): number {
    return (this.time - this.start) / 1000
  }
}

export class FakeDocker implements Docker {
  calls: string[] = []
  builds: BuildRequest[] = []
  logins: { registry: string; username: string; password: string }[] = []
  cleanedUp = false
  constructor(public digest: string) {}
  login(registry: string, username: string, password: string): Promise<void> {
    this.calls.push('login')
    this.logins.push({ registry, username, password })
    return Promise.resolve()
  }
  /** What each build reports of its cache. */
  outcome: BuildOutcome = { steps: 4, cached: 0, cache: undefined }
  build(request: BuildRequest): Promise<BuildOutcome> {
    this.calls.push('build')
    this.builds.push(request)
    return Promise.resolve(this.outcome)
  }
  tag(source: string, target: string): Promise<void> {
    this.calls.push(`tag ${source} ${target}`)
    return Promise.resolve()
  }
  push(image: string): Promise<string> {
    this.calls.push(`push ${image}`)
    return Promise.resolve(this.digest)
  }
  cleanup(): Promise<void> {
    this.cleanedUp = true
    return Promise.resolve()
  }
}

export function mockedDeps(options: { digest: string; env?: NodeJS.ProcessEnv; cluster?: string }) {
  const ecrMock = mockClient(ECRClient)
  const ecsMock = mockClient(ECSClient)
  const logsMock = mockClient(CloudWatchLogsClient)
  logsMock.on(FilterLogEventsCommand).resolves({ events: [] })
  const clock = new FakeClock()
  const docker = new FakeDocker(options.digest)
  const deps: Deps = {
    ecr: new Ecr(new ECRClient({ region: 'eu-north-1' })),
    ecs: new Ecs(new ECSClient({ region: 'eu-north-1' }), options.cluster ?? 'babyshield-cluster'),
    logs: new Logs(new CloudWatchLogsClient({ region: 'eu-north-1' })),
    ...fakeLoadBalancer(clock).reads,
    docker,
    clock,
    env: options.env ?? {}
  }
  return { deps, ecrMock, ecsMock, logsMock, clock, docker }
}
