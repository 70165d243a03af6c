// `npm run demo`: the whole story with no AWS account. Brings the local stack up, seeds a
// production-like service, runs the bundled action deploy → verify → rollback against it and
// prints each step's job summary as text; then stops what it started (`-- --keep` keeps it).
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { REPO_ROOT, STATE_DIR } from './stack/config.js'
import { setKeptUp } from './stack/locks.js'
import { openSession } from './stack/stack.js'
import { actionRuntime } from './support/action-node.js'
import { healthUrl } from './support/aws.js'
import { makeBuildContext } from './support/docker.js'
import { ACTION_ENTRY, runAction, type ActionRun } from './support/run-action.js'
import { summaryToText } from './support/summary-text.js'
import { ACTION_INPUTS, SERVICE, seed } from './seed.js'

const keep = process.argv.includes('--keep')
const bold = (text: string): string => (process.stdout.isTTY ? `\x1b[1m${text}\x1b[0m` : text)

function banner(title: string): void {
  const rule = '━'.repeat(Math.max(60, title.length + 4))
  console.log(`\n${bold(rule)}\n${bold(`  ${title}`)}\n${bold(rule)}`)
}

/** The action's log as the runner shows it: groups as headings, commands consumed. */
function showLogLine(line: string): void {
  if (
    line.startsWith('::add-mask::') ||
    line.startsWith('::endgroup::') ||
    line.startsWith('::debug::')
  )
    return
  const group = /^::group::(.*)$/.exec(line)
  if (group) return console.log(`  ▸ ${group[1]}`)
  const command = /^::(error|warning|notice)[^:]*::(.*)$/.exec(line)
  if (command)
    return console.log(
      `    ${command[1]!.toUpperCase()}: ${command[2]!.replaceAll('%0A', '\n    ')}`
    )
  console.log(`    ${line}`)
}

async function step(
  title: string,
  inputs: Record<string, string>,
  workspace: string
): Promise<ActionRun> {
  banner(title)
  console.log(
    `  inputs: ${Object.entries(inputs)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}\n`
  )
  const began = Date.now()
  const run = await runAction(inputs, { GITHUB_WORKSPACE: workspace }, { onLine: showLogLine })
  const seconds = ((Date.now() - began) / 1000).toFixed(0)
  console.log(`\n  exit code ${run.exitCode} after ${seconds}s; outputs:`)
  for (const [name, value] of Object.entries(run.outputs)) {
    if (name !== 'result') console.log(`    ${name.padEnd(29)} ${value}`)
  }
  console.log(`\n  ${bold('Job summary')}\n`)
  console.log(summaryToText(run.summary).replace(/^/gm, '  '))
  return run
}

async function main(): Promise<number> {
  const began = Date.now()
  banner('deploy-action demo: a local AWS stack of real parts, no AWS account')
  if (!existsSync(ACTION_ENTRY)) {
    console.log('  dist/index.js is missing: building it with npm run package')
    const built = spawnSync('npm', ['run', 'package'], { cwd: REPO_ROOT, stdio: 'inherit' })
    if (built.status !== 0) throw new Error('npm run package failed')
  }
  const runtime = actionRuntime()
  console.log(`  The action runs on Node ${runtime.version} (${runtime.node}).`)
  console.log('  Docker engine, TLS registry under the ECR host name, moto, and the ECS layer:')
  const log = (line: string): void => console.log(`    ${line}`)
  const endSession = await openSession('the demo', log)
  const workspace = await makeBuildContext()
  const failures: string[] = []
  try {
    console.log('\n  Seeding the cluster, ECR repository, log group, task definition and service:')
    const seeded = await seed()
    console.log(
      `    service ${seeded.service} in ${seeded.cluster} (${seeded.region}) runs 2 tasks of`
    )
    console.log(`    ${seeded.taskDefinitionArn}`)
    console.log(`    image ${seeded.seedImage.reference}`)

    const deploy = await step(
      '1/3  deploy: build, push, pin the digest, roll out, verify, bake 15 s',
      { ...ACTION_INPUTS, 'bake-minutes': '0.25', 'health-check-url': healthUrl(SERVICE) },
      workspace
    )
    if (deploy.exitCode !== 0) failures.push('deploy')
    const verify = await step(
      '2/3  verify: what runs is what was deployed',
      {
        ...ACTION_INPUTS,
        mode: 'verify',
        tag: deploy.outputs.tag ?? '',
        'health-check-url': healthUrl(SERVICE)
      },
      workspace
    )
    if (verify.exitCode !== 0) failures.push('verify')
    const rollback = await step(
      '3/3  rollback: back to the previous image',
      { ...ACTION_INPUTS, mode: 'rollback' },
      workspace
    )
    if (rollback.exitCode !== 0) failures.push('rollback')
  } catch (error) {
    failures.push(`the demo itself (${error instanceof Error ? error.message : String(error)})`)
  } finally {
    await rm(workspace, { recursive: true, force: true })
    banner(failures.length === 0 ? 'Demo finished' : `Demo failed: ${failures.join(', ')}`)
    if (keep) {
      setKeptUp(true)
      console.log(`  The stack stays up (logs in ${STATE_DIR}); stop it with npm run stack:down`)
    }
    await endSession()
    console.log(`  ${((Date.now() - began) / 1000).toFixed(0)}s in all`)
  }
  return failures.length === 0 ? 0 : 1
}

main().then(
  code => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error))
    process.exit(1)
  }
)
