import { expect, test } from 'vitest'
import { tagsNamed } from '../../test/e2e/layer/bridge.js'

test.each<[string, string, ReturnType<typeof tagsNamed>]>([
  [
    'a read by tag',
    '{"repositoryName":"app","imageIds":[{"imageTag":"production-fixed-20261206-v2"}]}',
    { repository: 'app', tags: ['production-fixed-20261206-v2'] }
  ],
  [
    'tags among digests',
    '{"repositoryName":"app","imageIds":[{"imageDigest":"sha256:ab"},{"imageTag":"a"},{"imageTag":"b"}]}',
    { repository: 'app', tags: ['a', 'b'] }
  ],
  [
    'a read by digest only',
    '{"repositoryName":"app","imageIds":[{"imageDigest":"sha256:ab"}]}',
    undefined
  ],
  ['a listing', '{"repositoryName":"app","filter":{"tagStatus":"TAGGED"}}', undefined],
  ['no repository', '{"imageIds":[{"imageTag":"a"}]}', undefined],
  ['an empty tag', '{"repositoryName":"app","imageIds":[{"imageTag":""}]}', undefined],
  ['not JSON', 'Action=DescribeImages', undefined]
])('the tags an ECR read names: %s', (_case, body, named) => {
  expect(tagsNamed(body)).toEqual(named)
})
