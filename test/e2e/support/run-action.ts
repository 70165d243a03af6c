// Runs the bundled action (`node dist/index.js`, on the Node that action-node.ts picks) the way
// GitHub's runner does: every input as INPUT_<NAME> (defaults from action.yml filled in), file
// commands for outputs and the job summary, the GITHUB_* and RUNNER_* variables, and the stack's
// AWS endpoint and Docker engine.
import { DescribeTaskDefinitionCommand } from '@aws-sdk/client-ecs'
import { spawn, spawnSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { AWS_ENV, DOCKER_HOST, REPO_ROOT } from '../stack/config.js'
import { actionRuntime, sdkWarnsOn } from './action-node.js'
import { ecs } from './aws.js'
import { makeBuildContext } from './docker.js'
import { tempDir } from './temp.js'

export const ACTION_ENTRY = join(REPO_ROOT, 'dist/index.js')

export interface ActionRun {
  exitCode: number
  stdout: string
  stderr: string
  outputs: Record<string, string>
  summary: string
  /** What the step saved for its post step (GITHUB_STATE). */
  state: Record<string, string>
  /** The directories the run was given, for checks of what it left behind. */
  runnerTemp: string
  home: string
  workspace: string
}

export interface RunOptions {
  /** Called with each line of the action's log (stdout and stderr) as it comes. */
  onLine?: (line: string) => void
  timeoutMs?: number
  /** SIGKILL the step at the first line this is true of: a runner that dies, no cleanup. */
  killWhen?: (line: string) => boolean
}

/** Splits chunks into lines for onLine, holding back a line until its end arrives. */
function lineSplitter(
  onLine: ((line: string) => void) | undefined
): (chunk: string, end?: boolean) => void {
  let partial = ''
  return (chunk, end = false) => {
    if (!onLine) return
    const lines = (partial + chunk).split('\n')
    partial = end ? '' : (lines.pop() ?? '')
    for (const line of lines) if (!end || line !== '') onLine(line)
  }
}

/** `inputs:` defaults of action.yml. Enough YAML for that file: names at 2 spaces, keys at 4. */
export function actionDefaults(
  yaml = readFileSync(join(REPO_ROOT, 'action.yml'), 'utf8')
): Record<string, string> {
  const defaults: Record<string, string> = {}
  let inInputs = false
  let current: string | undefined
  for (const line of yaml.split('\n')) {
    if (/^\S/.test(line)) inInputs = line.startsWith('inputs:')
    if (!inInputs) continue
    const name = /^ {2}([A-Za-z0-9_-]+):\s*$/.exec(line)
    if (name) current = name[1]
    const value = /^ {4}default:\s*(.*)$/.exec(line)
    if (value && current) defaults[current] = unquote(value[1]!.trim())
  }
  return defaults
}

function unquote(value: string): string {
  if (value.startsWith("'") && value.endsWith("'")) return value.slice(1, -1).replaceAll("''", "'")
  if (value.startsWith('"') && value.endsWith('"')) return JSON.parse(value) as string
  return value
}

/** The runner's input variable: spaces become underscores, upper case, dashes kept. */
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`
}

/** GITHUB_OUTPUT's format: `name<<DELIMITER` … `DELIMITER` blocks, or `name=value` lines. */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line)
    if (heredoc) {
      const [, name, delimiter] = heredoc
      const value: string[] = []
      for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i]!)
      outputs[name!] = value.join('\n')
      continue
    }
    const simple = /^([^=]+)=(.*)$/.exec(line)
    if (simple) outputs[simple[1]!] = simple[2]!
  }
  return outputs
}

async function readIfExists(file: string): Promise<string> {
  return existsSync(file) ? readFile(file, 'utf8') : ''
}

let nextRunId = 4_200_000_000 + process.pid * 1000

/**
 * Runs the action with `inputs` (names as in action.yml). `env` adds or overrides variables;
 * without GITHUB_WORKSPACE a fresh build context (Dockerfile.final, random content) is used.
 */
export async function runAction(
  inputs: Record<string, string>,
  env: Record<string, string> = {},
  options: RunOptions = {}
): Promise<ActionRun> {
  if (!existsSync(ACTION_ENTRY)) throw new Error(`${ACTION_ENTRY} is missing: run npm run package`)
  const runnerTemp = await tempDir('runner-temp')
  const home = await tempDir('home')
  const workspace = env.GITHUB_WORKSPACE ?? (await makeBuildContext())
  const commands = join(runnerTemp, '_runner_file_commands')
  await mkdir(commands, { recursive: true })
  const outputFile = join(commands, `set_output_${randomUUID()}`)
  const summaryFile = join(commands, `step_summary_${randomUUID()}`)
  const stateFile = join(commands, `save_state_${randomUUID()}`)
  const eventFile = join(runnerTemp, 'event.json')
  await Promise.all([
    writeFile(outputFile, ''),
    writeFile(summaryFile, ''),
    writeFile(stateFile, ''),
    writeFile(eventFile, '{}\n')
  ])

  const runtime = actionRuntime()
  const inputEnv: Record<string, string> = {}
  for (const [name, value] of Object.entries({ ...actionDefaults(), ...inputs })) {
    inputEnv[inputVariable(name)] = value
  }
  const childEnv: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: home,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_ACTION: '__babyshield_deploy-action',
    GITHUB_ACTOR: 'octo-deployer',
    GITHUB_REPOSITORY: 'babyshield/backend',
    GITHUB_REPOSITORY_OWNER: 'babyshield',
    GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_REF_NAME: 'main',
    GITHUB_EVENT_NAME: 'workflow_dispatch',
    GITHUB_EVENT_PATH: eventFile,
    GITHUB_WORKFLOW: 'Deploy production',
    GITHUB_JOB: 'deploy',
    // Each run its own, as on GitHub: the audit tag deploy:run tells one run's revisions apart.
    GITHUB_RUN_ID: String(nextRunId++),
    GITHUB_RUN_NUMBER: '17',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: 'https://api.github.com',
    GITHUB_WORKSPACE: workspace,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STATE: stateFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    RUNNER_TEMP: runnerTemp,
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
    RUNNER_NAME: 'e2e-runner',
    DOCKER_HOST,
    ...AWS_ENV,
    // The runner runs actions on Node 24, where the SDK has nothing to warn about: an older Node
    // here is silenced to look the same, and Node 24 shows whatever the SDK says.
    ...(sdkWarnsOn(runtime.version)
      ? { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' }
      : {}),
    ...inputEnv,
    ...env
  }

  const { exitCode, stdout, stderr } = await new Promise<{
    exitCode: number
    stdout: string
    stderr: string
  }>((resolve, reject) => {
    const child = spawn(runtime.node, [ACTION_ENTRY], { cwd: workspace, env: childEnv })
    let stdout = ''
    let stderr = ''
    const onLine = (line: string): void => {
      options.onLine?.(line)
      if (options.killWhen?.(line)) child.kill('SIGKILL')
    }
    const outLines = lineSplitter(onLine)
    const errLines = lineSplitter(onLine)
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
      outLines(chunk.toString())
    })
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
      errLines(chunk.toString())
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 5 * 60_000)
    child.on('error', reject)
    child.on('close', code => {
      clearTimeout(timer)
      outLines('', true)
      errLines('', true)
      resolve({ exitCode: code ?? -1, stdout, stderr })
    })
  })
  const outputs = parseOutputFile(await readIfExists(outputFile))
  // Every e2e run checks what every output claims against the stack it ran on.
  if (!env.AWS_ENDPOINT_URL) await outputsAgree(outputs)
  return {
    exitCode,
    stdout,
    stderr,
    outputs,
    summary: await readIfExists(summaryFile),
    state: parseOutputFile(await readIfExists(stateFile)),
    runnerTemp,
    home,
    workspace
  }
}

/** Runs dist/index.js as the runner runs the post step after `run`: with its state as STATE_*. */
export function runPost(run: ActionRun): { exitCode: number | null; stdout: string } {
  const stateEnv = Object.fromEntries(
    Object.entries(run.state).map(([name, value]) => [`STATE_${name}`, value])
  )
  const post = spawnSync(actionRuntime().node, [ACTION_ENTRY], {
    cwd: run.workspace,
    env: { PATH: process.env.PATH ?? '', HOME: run.home, RUNNER_TEMP: run.runnerTemp, ...stateEnv },
    encoding: 'utf8'
  })
  return { exitCode: post.status, stdout: post.stdout }
}

/**
 * The outputs describe one revision a service: each service's image (and digest) is what its
 * task-definition-arn pins for its container, as ECS describes that revision. Throws otherwise.
 */
export async function outputsAgree(outputs: Record<string, string>): Promise<void> {
  const parsed = JSON.parse(outputs.result ?? '{}') as {
    services?: {
      service: string
      containerName: string | null
      image: string | null
      digest: string | null
      taskDefinitionArn: string | null
    }[]
  }
  for (const service of parsed.services ?? []) {
    if (!service.taskDefinitionArn || !service.containerName) continue
    const answer = await ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: service.taskDefinitionArn })
    )
    const pinned = answer.taskDefinition?.containerDefinitions?.find(
      c => c.name === service.containerName
    )?.image
    const digest = pinned ? (/@(sha256:[a-f0-9]{64})$/.exec(pinned)?.[1] ?? null) : null
    if ((service.image ?? undefined) !== pinned || service.digest !== digest) {
      throw new Error(
        `outputs disagree for ${service.service}: ${service.taskDefinitionArn} pins ${pinned ?? 'no image'} in ${service.containerName}, but the result says image ${service.image ?? 'none'}, digest ${service.digest ?? 'none'}`
      )
    }
  }
}
