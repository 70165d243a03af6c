// The thin ECR calls of the cleanup and the scan gate: paging, batching, and the answers that are
// answers rather than errors.
import {
  BatchDeleteImageCommand,
  DescribeImageScanFindingsCommand,
  DescribeImagesCommand,
  ImageNotFoundException,
  ScanNotFoundException
} from '@aws-sdk/client-ecr'
import { beforeEach, describe, expect, test } from 'vitest'
import { mockedDeps } from '../../test/support/fakes.js'

const digest = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`
let world: ReturnType<typeof mockedDeps>
beforeEach(() => {
  world = mockedDeps({ digest: digest(1) })
})

describe('Ecr', () => {
  test('images: every page, tagged and untagged', async () => {
    world.ecrMock
      .on(DescribeImagesCommand)
      .resolvesOnce({
        imageDetails: [{ imageDigest: digest(1), imageTags: ['a'], imagePushedAt: new Date(1000) }],
        nextToken: 't2'
      })
      .resolvesOnce({ imageDetails: [{ imageDigest: digest(2) }] })
    expect(await world.deps.ecr.images('babyshield-backend')).toEqual([
      { digest: digest(1), tags: ['a'], pushedAt: new Date(1000) },
      { digest: digest(2), tags: [] }
    ])
    expect(world.ecrMock.commandCalls(DescribeImagesCommand).map(c => c.args[0].input)).toEqual([
      { repositoryName: 'babyshield-backend', filter: { tagStatus: 'ANY' } },
      { repositoryName: 'babyshield-backend', filter: { tagStatus: 'ANY' }, nextToken: 't2' }
    ])
  })

  test('deleteImages: a hundred a call, by digest; deleted once however many tags; failures apart', async () => {
    world.ecrMock
      .on(BatchDeleteImageCommand)
      .callsFake((input: { imageIds: { imageDigest: string }[] }) => ({
        // ECR answers one entry a tag removed.
        imageIds: input.imageIds
          .filter(id => id.imageDigest !== digest(150))
          .flatMap(id => [
            { ...id, imageTag: 'one' },
            { ...id, imageTag: 'two' }
          ]),
        failures: input.imageIds
          .filter(id => id.imageDigest === digest(150))
          .map(id => ({
            imageId: id,
            failureCode: 'ImageReferencedByManifestList',
            failureReason: 'in an index'
          }))
      }))
    const digests = Array.from({ length: 201 }, (_, i) => digest(i + 1))
    const answer = await world.deps.ecr.deleteImages('babyshield-backend', digests)
    expect(
      world.ecrMock.commandCalls(BatchDeleteImageCommand).map(c => c.args[0].input.imageIds?.length)
    ).toEqual([100, 100, 1])
    expect(answer.deleted).toEqual(digests.filter(d => d !== digest(150)))
    expect(answer.failures).toEqual([
      { digest: digest(150), reason: 'ImageReferencedByManifestList: in an index' }
    ])
  })

  test.each([
    [new ScanNotFoundException({ message: 'Image scan does not exist', $metadata: {} }), 'no-scan'],
    [new ImageNotFoundException({ message: 'The image does not exist', $metadata: {} }), 'no-image']
  ])('scanFindings: %s is an answer', async (error, kind) => {
    world.ecrMock.on(DescribeImageScanFindingsCommand).rejects(error)
    expect(await world.deps.ecr.scanFindings('babyshield-backend', digest(1))).toMatchObject({
      kind
    })
  })

  test('scanFindings: any other failure is an error that says what was being read', async () => {
    world.ecrMock
      .on(DescribeImageScanFindingsCommand)
      .rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }))
    await expect(world.deps.ecr.scanFindings('babyshield-backend', digest(1))).rejects.toThrow(
      `Could not read the scan findings of babyshield-backend@${digest(1)} from ECR: AccessDeniedException: denied`
    )
  })
})
