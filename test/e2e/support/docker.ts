// The docker CLI against the stack's engine, for the seed and the tests: build contexts with a
// `Dockerfile.final` FROM scratch (tiny, and no base image to pull), build, log in, push.
import { execFile } from 'node:child_process'
import { rm, writeFile } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { DOCKER_HOST, ECR_TOKEN, ECR_USER, REGISTRY_HOST } from '../stack/config.js'
import { tempDir } from './temp.js'

export function docker(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  input?: string
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'docker',
      args,
      // The legacy builder: this engine has no buildx.
      {
        env: { ...process.env, DOCKER_HOST, DOCKER_BUILDKIT: '0', ...env },
        maxBuffer: 16 * 1024 * 1024
      },
      (error, stdout, stderr) => {
        if (error)
          reject(new Error(`docker ${args[0] ?? ''} failed: ${error.message}\n${stdout}${stderr}`))
        else resolve(stdout)
      }
    )
    if (input !== undefined) child.stdin?.end(input)
  })
}

/**
 * A build context like the app's: `Dockerfile.final` FROM scratch copying one file. With no
 * `content`, the file is random, so every build makes an image with a new digest.
 */
export async function makeBuildContext(content?: string): Promise<string> {
  const dir = await tempDir('context')
  await writeFile(join(dir, 'build-id.txt'), content ?? `${randomBytes(16).toString('hex')}\n`)
  await writeFile(join(dir, 'Dockerfile.final'), 'FROM scratch\nCOPY build-id.txt /build-id.txt\n')
  return dir
}

/** Builds `context` as `image` (`URI:tag`) and pushes it; returns the digest the push printed. */
export async function buildAndPush(context: string, image: string): Promise<string> {
  const config = await tempDir('docker-config')
  try {
    await docker([
      'build',
      '--quiet',
      '--file',
      join(context, 'Dockerfile.final'),
      '--tag',
      image,
      context
    ])
    await docker(
      ['login', '--username', ECR_USER, '--password-stdin', REGISTRY_HOST],
      { DOCKER_CONFIG: config },
      ECR_TOKEN
    )
    const output = await docker(['push', image], { DOCKER_CONFIG: config })
    const digest = /digest: (sha256:[0-9a-f]{64})/.exec(output)?.[1]
    if (!digest) throw new Error(`docker push ${image} printed no digest:\n${output}`)
    return digest
  } finally {
    await rm(config, { recursive: true, force: true })
  }
}
