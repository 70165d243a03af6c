// Debian packages the stack needs: docker.io (dockerd and the docker CLI), docker-registry
// (distribution v2) and busybox-static (the shell of the base image the cache tests build on).
// Installed with apt-get when missing, which needs root.
import { spawnSync } from 'node:child_process'
import { appendFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { STATE_DIR } from './config.js'
import { which } from './component.js'

const PROGRAMS: Record<string, string> = {
  dockerd: 'docker.io',
  docker: 'docker.io',
  'docker-registry': 'docker-registry'
}

function aptGet(args: string[], logFile: string): boolean {
  appendFileSync(logFile, `\n--- apt-get ${args.join(' ')}\n`)
  const result = spawnSync('apt-get', args, {
    encoding: 'utf8',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  })
  appendFileSync(logFile, `${result.stdout ?? ''}${result.stderr ?? ''}`)
  return result.status === 0
}

/** Packages looked up by name: another package may give the same program (busybox, dynamic). */
const PACKAGES = ['busybox-static']

function installed(pkg: string): boolean {
  const result = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' })
  return result.status === 0 && result.stdout.includes('install ok installed')
}

export function ensurePackages(log: (line: string) => void): void {
  const missing = [
    ...new Set(
      Object.entries(PROGRAMS)
        .filter(([program]) => !which(program))
        .map(([, pkg]) => pkg)
    ),
    ...PACKAGES.filter(pkg => !installed(pkg))
  ]
  if (missing.length === 0) return
  if (process.getuid?.() !== 0) {
    throw new Error(
      `missing Debian packages ${missing.join(', ')}: run as root, or apt-get install them`
    )
  }
  mkdirSync(STATE_DIR, { recursive: true })
  const logFile = join(STATE_DIR, 'apt.log')
  log(`installing ${missing.join(', ')} with apt-get (log: ${logFile})`)
  const args = ['install', '-y', '--no-install-recommends', ...missing]
  if (!aptGet(args, logFile) && !(aptGet(['update'], logFile) && aptGet(args, logFile))) {
    throw new Error(`apt-get install ${missing.join(' ')} failed; see ${logFile}`)
  }
}

export function ensureMoto(): string {
  const moto = which('moto_server')
  if (!moto) {
    throw new Error("moto_server is not on PATH: install it with pip install 'moto[server]'")
  }
  return moto
}
