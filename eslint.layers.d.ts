// Types of eslint.layers.js, for the tests that plant violations of its rules.
import type { Linter } from 'eslint'

export const LAYERS: string[]
export const MAX_LINES: number
export const MAX_PARAMS: number
export function layerZones(): { target: string; from: string[]; message: string }[]
export function layerConfig(root: string): Linter.Config
