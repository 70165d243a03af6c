// ECS's JSON as it travels, around the SDK's own shapes. The SDK keeps only the fields its bundled
// version knows, when it reads an answer and when it writes a request; a field ECS added later
// would be lost between reading a task definition and registering the next revision. These
// middlewares keep the answer's body as ECS sent it, and send a request body whole.

interface HttpMessage {
  body?: unknown
  headers?: Record<string, string>
}

type Handler = (args: { request?: unknown }) => Promise<{ response?: unknown }>

/** An SDK command: it has a middleware stack of its own. */
interface Bearing {
  middlewareStack: object
}

type Add = (
  middleware: (next: Handler) => Handler,
  options: { step: 'build' | 'deserialize'; priority: 'low' | 'high'; name: string }
) => void

/** The command's own stack, as the little of it these middlewares use. */
function stackOf(command: Bearing): { add: Add } {
  return command.middlewareStack as { add: Add }
}

/** Keeps the JSON body of the command's answer (of its last attempt) in `into.body`. */
export function keepAnswerBody(command: Bearing, into: { body?: unknown }): void {
  stackOf(command).add(
    next => async args => {
      const out = await next(args)
      const response = out.response as HttpMessage | undefined
      if (response?.body !== undefined) {
        const bytes = await bytesOf(response.body)
        // The SDK's deserializer reads the same bytes after this.
        response.body = bytes
        try {
          into.body = JSON.parse(bytes.toString('utf8')) as unknown
        } catch {
          delete into.body
        }
      }
      return out
    },
    { step: 'deserialize', priority: 'low', name: 'keepAnswerBody' }
  )
}

/**
 * Sends `body` as the command's JSON request, in place of what the SDK serialized, when the SDK
 * left out any of its fields; says which through `dropped`.
 */
export function sendWhole(
  command: Bearing,
  body: object,
  dropped: (paths: string[]) => void
): void {
  stackOf(command).add(
    next => async args => {
      const request = (args as { request?: HttpMessage }).request
      const serialized =
        typeof request?.body === 'string'
          ? request.body
          : request?.body instanceof Uint8Array
            ? utf8Of(request.body)
            : undefined
      if (request && serialized !== undefined) {
        const sent = JSON.parse(serialized) as unknown
        const missing = missingPaths(body, sent)
        if (missing.length > 0) {
          dropped(missing)
          const text = JSON.stringify(body)
          request.body = text
          if (request.headers?.['content-length'] !== undefined) {
            request.headers['content-length'] = String(Buffer.byteLength(text))
          }
        }
      }
      return next(args)
    },
    // First of the build step: after the SDK serialized the request, before its length is set.
    { step: 'build', priority: 'high', name: 'sendWhole' }
  )
}

/**
 * The paths of fields `whole` has and `kept` lacks (`a`, `containerDefinitions[api].b`): what a
 * reader of `whole` dropped. Array items are matched by their `name` when they have one. Pure.
 */
export function missingPaths(whole: unknown, kept: unknown, at = ''): string[] {
  if (Array.isArray(whole)) {
    const keptItems: unknown[] = Array.isArray(kept) ? (kept as unknown[]) : []
    return (whole as unknown[]).flatMap((item, i) => {
      const name = (item as { name?: unknown } | null)?.name
      const match =
        typeof name === 'string'
          ? keptItems.find(k => (k as { name?: unknown } | null)?.name === name)
          : keptItems[i]
      return missingPaths(item, match, `${at}[${typeof name === 'string' ? name : i}]`)
    })
  }
  if (!whole || typeof whole !== 'object') return []
  const keptObject = kept && typeof kept === 'object' ? (kept as Record<string, unknown>) : {}
  return Object.entries(whole as Record<string, unknown>).flatMap(([key, value]) => {
    const path = at ? `${at}.${key}` : key
    if (value === undefined || value === null) return []
    if (!(key in keptObject)) return [path]
    return missingPaths(value, keptObject[key], path)
  })
}

/** `target` with every field of `source` it lacks, at any depth (items matched as above). Pure. */
export function withMissing<T>(target: T, source: unknown): T {
  if (Array.isArray(target) && Array.isArray(source)) {
    const items: unknown[] = source as unknown[]
    return (target as unknown[]).map((item, i) => {
      const name = (item as { name?: unknown } | null)?.name
      const match =
        typeof name === 'string'
          ? items.find(s => (s as { name?: unknown } | null)?.name === name)
          : items[i]
      return withMissing(item, match)
    }) as T
  }
  if (!target || typeof target !== 'object' || target instanceof Date) return target
  if (!source || typeof source !== 'object' || Array.isArray(source)) return target
  const merged: Record<string, unknown> = { ...(target as Record<string, unknown>) }
  for (const [key, value] of Object.entries(source as Record<string, unknown>)) {
    merged[key] = key in merged ? withMissing(merged[key], value) : value
  }
  return merged as T
}

/**
 * The bytes as text, read through a view of their memory. The SDK's JSON body is a Uint8Array
 * whose valueOf is a string method that prints a JsonCodec warning in every job log, and
 * Buffer.from(value) calls valueOf first.
 */
function utf8Of(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')
}

async function bytesOf(body: unknown): Promise<Buffer> {
  if (body instanceof Uint8Array) return Buffer.from(body)
  if (typeof body === 'string') return Buffer.from(body)
  const chunks: Buffer[] = []
  for await (const chunk of body as AsyncIterable<Uint8Array | string>) {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk))
  }
  return Buffer.concat(chunks)
}
