// A base image with a shell, for Dockerfiles that RUN something: Debian's static busybox (no
// library needed) and a link for each of its applets, FROM scratch. It is pushed to the stack's
// registry under the ECR host name, so that an engine emptied of images pulls it again from
// there: nothing is pulled from outside.
import { spawnSync } from 'node:child_process'
import { copyFile, mkdir, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { REGISTRY_HOST } from '../stack/config.js'
import { registryDigest } from '../stack/http.js'
import { buildAndPush, docker } from './docker.js'
import { tempDir } from './temp.js'

const BASE_REPOSITORY = 'e2e-base/busybox'
const BASE_TAG = 'static'
export const BASE_IMAGE = `${REGISTRY_HOST}/${BASE_REPOSITORY}:${BASE_TAG}`
/** Where busybox-static puts it (the stack's packages install it). */
const BUSYBOX = '/bin/busybox'

/** The base image's reference, built and pushed the first time the registry lacks it. */
export async function ensureBaseImage(): Promise<string> {
  if (await registryDigest(BASE_REPOSITORY, BASE_TAG)) return BASE_IMAGE
  const applets = spawnSync(BUSYBOX, ['--list'], { encoding: 'utf8' })
  if (applets.status !== 0) {
    throw new Error(`${BUSYBOX} --list failed: is busybox-static installed? ${applets.stderr}`)
  }
  const context = await tempDir('base-image')
  const bin = join(context, 'rootfs', 'bin')
  await mkdir(bin, { recursive: true })
  await copyFile(BUSYBOX, join(bin, 'busybox'))
  for (const applet of applets.stdout.split('\n').filter(a => a && a !== 'busybox')) {
    await symlink('busybox', join(bin, applet))
  }
  await writeFile(
    join(context, 'Dockerfile.final'),
    'FROM scratch\nCOPY rootfs/ /\nENV PATH=/bin\nCMD ["/bin/sh"]\n'
  )
  await buildAndPush(context, BASE_IMAGE)
  return BASE_IMAGE
}

/** Removes every image from the stack's engine: the state of a fresh runner. */
export async function removeAllImages(): Promise<void> {
  await docker(['image', 'prune', '--all', '--force'])
  const left = (await docker(['image', 'ls', '--all', '--quiet'])).trim()
  if (left) await docker(['image', 'rm', '--force', ...new Set(left.split('\n'))])
}

/** The engine's images, every layer included. */
export async function localImages(): Promise<string[]> {
  const out = (await docker(['image', 'ls', '--all', '--quiet'])).trim()
  return out ? out.split('\n') : []
}
