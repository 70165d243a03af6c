// How the judge's figures read in a sentence: counts with thousands separated, shares in percent,
// p-values short. Pure.

/** `12,345`. */
export function count(value: number): string {
  return Math.round(value).toLocaleString('en-US')
}

/** `0.52 %`, `12 %`: two significant digits below 10 %, whole percents above. */
export function percent(share: number): string {
  const value = share * 100
  if (value === 0) return '0 %'
  const shown = value >= 10 ? value.toFixed(0) : value >= 1 ? value.toFixed(1) : value.toFixed(2)
  return `${shown} %`
}

/** `3.2×`, `1.25×`, `12×`. */
export function times(ratio: number): string {
  return `${ratio >= 10 ? ratio.toFixed(0) : Number(ratio.toFixed(2))}×`
}

/** `p = 0.0004`, `p < 0.0001`. */
export function pValue(p: number): string {
  if (p < 0.0001) return 'p < 0.0001'
  return `p = ${p < 0.01 ? p.toPrecision(1) : p.toFixed(2)}`
}

/** `99 %`, `99.5 %`. */
export function confidenceText(confidence: number): string {
  return `${Number((confidence * 100).toFixed(2))} %`
}

/** `0.25 s`, `840 ms`. */
export function seconds(value: number): string {
  if (!Number.isFinite(value)) return 'none'
  return value >= 1 ? `${value.toFixed(2)} s` : `${Math.round(value * 1000)} ms`
}

/** `4 minutes`, `1 minute`. */
export function plural(value: number, word: string): string {
  return `${count(value)} ${word}${value === 1 ? '' : 's'}`
}
