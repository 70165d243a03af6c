// The layers of src/, bottom to top, as lint rules: a folder (or a file at src/'s root) may import
// only what stands before it in LAYERS, so nothing imports upward and no two folders import
// each other. Files of one folder may import each other, but never in a cycle. "The source tree"
// in docs/development.md draws the same picture.
import importX from 'eslint-plugin-import-x'
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript'
import tseslint from 'typescript-eslint'

/** src/'s folders and root files, from the plain model at the bottom to the entry at the top. */
export const LAYERS = [
  // The plain model: what a service runs and how it moves, the result, names, errors, time.
  'model',
  // The judge: new revision against old, by statistics alone, for the bake and the shift watch.
  'judge',
  // Adapters: the network, AWS, Docker, GitHub; and deps.ts, which gathers them for the stages.
  'net',
  'aws',
  'docker',
  'github',
  'deps.ts',
  // The engine: the next revision, the checks, the watch, the bake, the migration, and the
  // supervision that runs them in turn and takes every service back when one fails.
  'revision',
  'verify',
  'rollout',
  'bake',
  'migration',
  'supervise',
  // Around a deploy: the scan gate before it, the cleanup after it.
  'scan',
  'cleanup',
  // The run's record and summary; the inputs; the modes; the entry.
  'report',
  'inputs',
  'modes',
  'cancel.ts',
  'post.ts',
  'main.ts',
  'index.ts'
]

/** The most lines a source file has, and the most parameters a function takes. */
export const MAX_LINES = 400
export const MAX_PARAMS = 6

/** `./src/NAME` for a layer. */
function path(layer) {
  return `./src/${layer}`
}

/** For each layer, the zone that forbids importing any layer above it. */
export function layerZones() {
  return LAYERS.slice(0, -1).map((layer, i) => ({
    target: path(layer),
    from: LAYERS.slice(i + 1).map(path),
    message: `src/${layer} sits below these in the layers of eslint.layers.js (model → adapters → engine → report → inputs → modes → entry): move what both need down, or pass it in`
  }))
}

/** The flat-config entry that keeps src/ in its layers; `root` is the repository's directory. */
export function layerConfig(root) {
  return {
    files: ['src/**/*.ts'],
    languageOptions: { parser: tseslint.parser },
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [
        createTypeScriptImportResolver({ project: `${root}/tsconfig.json` })
      ]
    },
    rules: {
      'import-x/no-restricted-paths': ['error', { basePath: root, zones: layerZones() }],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'max-lines': ['error', { max: MAX_LINES, skipBlankLines: false, skipComments: false }],
      'max-params': ['error', MAX_PARAMS]
    }
  }
}
