import { expect, test } from 'vitest'
import {
  familyOf,
  pinnedDigest,
  repositoryNameOf,
  repositoryOf,
  revisionOf,
  shortArn,
  shortDigest,
  taskId
} from '../../src/model/names.js'
import { OLD_DIGEST, REPOSITORY_URI } from '../../test/support/task-definitions.js'

test.each([
  [`${REPOSITORY_URI}@${OLD_DIGEST}`, REPOSITORY_URI, OLD_DIGEST],
  [`${REPOSITORY_URI}:production-fixed-20261126`, REPOSITORY_URI, undefined],
  ['localhost:5000/app:1', 'localhost:5000/app', undefined],
  ['localhost:5000/app', 'localhost:5000/app', undefined],
  ['nginx', 'nginx', undefined]
])('repositoryOf and pinnedDigest of %s', (image, repository, digest) => {
  expect(repositoryOf(image)).toBe(repository)
  expect(pinnedDigest(image)).toBe(digest)
})

test.each([
  [
    '123456789012.dkr.ecr.eu-north-1.amazonaws.com/babyshield-backend@sha256:ab',
    'babyshield-backend'
  ],
  ['123456789012.dkr.ecr.eu-north-1.amazonaws.com/team/api:build-cache', 'team/api'],
  ['localhost:5000/app:1', 'app'],
  ['nginx', 'nginx']
])('repositoryNameOf %s', (image, name) => {
  expect(repositoryNameOf(image)).toBe(name)
})

test.each([
  [
    'arn:aws:ecs:eu-north-1:123456789012:task-definition/babyshield-backend-task:42',
    'babyshield-backend-task:42'
  ],
  ['arn:aws:ecs:eu-north-1:123456789012:service/babyshield-cluster/api', 'api'],
  ['babyshield-backend-service', 'babyshield-backend-service'],
  [undefined, 'unknown'],
  ['', 'unknown']
])('shortArn(%j) is %j', (arn, short) => {
  expect(shortArn(arn)).toBe(short)
})

test('taskId is the last part of a task ARN', () => {
  expect(taskId('arn:aws:ecs:eu-north-1:123456789012:task/babyshield-cluster/3f9c0a')).toBe(
    '3f9c0a'
  )
})

test.each([
  [
    'arn:aws:ecs:eu-north-1:123456789012:task-definition/babyshield-backend-task:42',
    'babyshield-backend-task',
    42
  ],
  ['babyshield-worker:7', 'babyshield-worker', 7]
])('familyOf and revisionOf %s', (arn, family, revision) => {
  expect(familyOf(arn)).toBe(family)
  expect(revisionOf(arn)).toBe(revision)
})

test('shortDigest keeps sha256: and 12 hex digits', () => {
  expect(shortDigest(`sha256:${'ab'.repeat(32)}`)).toBe('sha256:abababababab')
  expect(shortDigest('not-a-digest')).toBe('not-a-digest')
})
