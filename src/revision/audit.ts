// The audit trail a revision carries in its tags: who registered it, from which commit and run,
// with which image tag and notes. Earlier runs' audit tags are never inherited.
import type { Tag } from '@aws-sdk/client-ecs'
import { shortArn } from '../model/names.js'
import type { Audit } from '../model/result.js'

/** The audit tag keys, each written once. */
export const AUDIT_TAG = {
  imageTag: 'deploy:image-tag',
  commit: 'deploy:commit',
  actor: 'deploy:actor',
  run: 'deploy:run',
  notes: 'deploy:notes',
  /** The revision the service ran when this one was registered for it: what it replaces. */
  replaces: 'deploy:replaces'
} as const

/** Audit tags describe the run that registered a revision: none is inherited from an earlier one. */
export const AUDIT_TAG_PREFIX = 'deploy:'

/** ECS allows 50 tags on a resource; audit tags take their place first. */
const MAX_TAGS = 50
const TAG_VALUE = /[^\p{L}\p{N}\s_.:/=+\-@]/gu

/**
 * The revision's tags: every tag of the user's, and as many audit tags as fit under ECS's 50, in
 * the order given (image tag and commit first). A user's tag is never dropped. Pure.
 */
export function mergeTags(existing: Tag[], added: Tag[]): Tag[] {
  return placeTags(existing, added).tags
}

/** The merged tags and the audit tags there was no room for. Pure. */
export function placeTags(existing: Tag[], added: Tag[]): { tags: Tag[]; left: Tag[] } {
  const keys = new Set(added.map(t => t.key))
  const kept = existing.filter(t => !keys.has(t.key) && !t.key?.startsWith(AUDIT_TAG_PREFIX))
  const room = Math.max(0, MAX_TAGS - kept.length)
  return { tags: [...added.slice(0, room), ...kept], left: added.slice(room) }
}

/** The warning when audit tags do not fit beside the user's tags; undefined when they do. */
export function auditTagsLeftOut(existing: Tag[], added: Tag[]): string | undefined {
  const { tags, left } = placeTags(existing, added)
  if (left.length === 0) return undefined
  const users = tags.length - (added.length - left.length)
  return `The revision has ${users} tags of its own and ECS allows ${MAX_TAGS}: every one of them is kept, and of the audit tags ${left.map(t => t.key).join(', ')} ${left.length === 1 ? 'is' : 'are'} left out; the audit trail stays whole in the job summary and the GitHub deployment.`
}

/** The longest tag value ECS takes. */
export const MAX_TAG_VALUE = 256

/** What the deploy:notes tag loses of notes longer than a tag value, as a warning; else undefined. */
export function notesCut(notes: string): string | undefined {
  const kept = tagValue(notes)
  const whole = notes.replace(/\s+/g, ' ').trim()
  if (whole.length <= MAX_TAG_VALUE) return undefined
  return `deployment-notes is ${whole.length} characters: the ${AUDIT_TAG.notes} tag of the revision keeps the first ${kept.length}; the job summary and the GitHub deployment keep them all.`
}

/**
 * What the deploy:notes tag shows in place of characters a tag value cannot hold (emoji,
 * Markdown, quotes), as a warning; else undefined. Pure.
 */
export function notesReplaced(notes: string): string | undefined {
  const replaced = [...new Set(notes.replace(/\s+/g, ' ').match(TAG_VALUE) ?? [])]
  if (replaced.length === 0) return undefined
  const shown = replaced.slice(0, 8).join(' ')
  const more = replaced.length > 8 ? ` and ${replaced.length - 8} more` : ''
  return `deployment-notes has characters an ECS tag value cannot hold (${shown}${more}): the ${AUDIT_TAG.notes} tag of the revision shows each as _; the job summary and the GitHub deployment keep the notes as written.`
}

/** A tag value ECS accepts: allowed characters only, at most 256 of them. */
export function tagValue(text: string): string {
  return text.replace(/\s+/g, ' ').replace(TAG_VALUE, '_').trim().slice(0, MAX_TAG_VALUE)
}

/** The audit trail on a task definition revision: image tag, commit, actor, run, notes. */
export function auditTags(audit: Audit, tag: string): Tag[] {
  const tags: Tag[] = [
    { key: AUDIT_TAG.imageTag, value: tag },
    { key: AUDIT_TAG.commit, value: audit.commit },
    { key: AUDIT_TAG.actor, value: audit.actor },
    { key: AUDIT_TAG.run, value: audit.runUrl },
    { key: AUDIT_TAG.notes, value: audit.notes }
  ]
  return tags.filter(t => t.value).map(t => ({ key: t.key, value: tagValue(t.value ?? '') }))
}

/**
 * A registration's tags with `deploy:replaces` naming the revision it replaces (`family:N`), when
 * ECS's 50 leave room for it after every other tag. Pure.
 */
export function withReplaces(tags: Tag[], replaced: string): Tag[] {
  const kept = tags.filter(t => t.key !== AUDIT_TAG.replaces)
  if (!replaced || kept.length >= MAX_TAGS) return kept
  return [...kept, { key: AUDIT_TAG.replaces, value: tagValue(shortArn(replaced)) }]
}

/** The value of one tag, if the list has it. */
export function tagOf(tags: Tag[], key: string): string | undefined {
  return tags.find(t => t.key === key)?.value
}
