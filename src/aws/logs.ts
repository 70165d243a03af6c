// CloudWatch Logs: recent lines of a log group, or of some of its streams.
import { FilterLogEventsCommand, type CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs'
import { attempt } from './clients.js'

export interface LogLine {
  timestamp: number
  stream: string
  message: string
  /** CloudWatch's id of the event: the same line read twice has the same id. */
  id?: string
}

export interface LogQuery {
  group: string
  since: number
  /** Only these streams (at most 100). */
  streams?: string[]
  /** Only streams whose name starts so (not with `streams`). */
  streamPrefix?: string
  /** Epoch ms; lines after it are left out. */
  until?: number
  /** A CloudWatch filter pattern, e.g. `ERROR`. */
  pattern?: string
  /** Keep at most this many lines: the newest. */
  limit: number
}

export class Logs {
  constructor(private readonly client: CloudWatchLogsClient) {}

  /** The newest `limit` lines matching the query, oldest first. Reads at most 10 pages. */
  async recent(query: LogQuery): Promise<LogLine[]> {
    const lines: LogLine[] = []
    let nextToken: string | undefined
    let pages = 0
    do {
      const answer = await attempt(`Could not read log group ${query.group}`, () =>
        this.client.send(
          new FilterLogEventsCommand({
            logGroupName: query.group,
            startTime: query.since,
            ...(query.streams ? { logStreamNames: query.streams.slice(0, 100) } : {}),
            ...(query.streamPrefix && !query.streams
              ? { logStreamNamePrefix: query.streamPrefix }
              : {}),
            ...(query.until !== undefined ? { endTime: query.until } : {}),
            ...(query.pattern ? { filterPattern: query.pattern } : {}),
            ...(nextToken ? { nextToken } : {})
          })
        )
      )
      for (const event of answer.events ?? []) {
        lines.push({
          timestamp: event.timestamp ?? 0,
          stream: event.logStreamName ?? '',
          message: (event.message ?? '').replace(/\s+$/, ''),
          ...(event.eventId ? { id: event.eventId } : {})
        })
      }
      nextToken = answer.nextToken
      pages += 1
    } while (nextToken && pages < 10)
    lines.sort((a, b) => a.timestamp - b.timestamp)
    return lines.slice(-query.limit)
  }
}
