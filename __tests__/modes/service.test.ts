import { describe, expect, test } from 'vitest'
import { controllerProblem } from '../../src/modes/service.js'

describe('controllerProblem', () => {
  test.each([undefined, 'ECS'])('%s: ECS takes a new revision by UpdateService', controller => {
    expect(controllerProblem('api', controller)).toBeUndefined()
  })

  test('CODE_DEPLOY: refused, saying what to use instead', () => {
    expect(controllerProblem('api', 'CODE_DEPLOY')).toBe(
      "ECS service api uses the CODE_DEPLOY deployment controller: its task definition changes only through a CodeDeploy deployment (an AppSpec), not UpdateService, so this action changes nothing. Deploy it with CodeDeploy (aws-actions/amazon-ecs-deploy-task-definition with codedeploy-appspec), or move the service to ECS's own controller, whose BLUE_GREEN strategy this action watches"
    )
  })

  test('EXTERNAL: refused, saying what manages it', () => {
    expect(controllerProblem('api', 'EXTERNAL')).toContain(
      'ECS service api uses the EXTERNAL deployment controller: its task sets are managed by another tool (CreateTaskSet, UpdateServicePrimaryTaskSet), not UpdateService'
    )
  })

  test('verify says it has nothing to check, not what to deploy with', () => {
    expect(controllerProblem('api', 'CODE_DEPLOY', true)).toBe(
      "ECS service api uses the CODE_DEPLOY deployment controller: its rollouts are task sets of CodeDeploy, which this action's checks do not read, so there is nothing it can verify. Check it with CodeDeploy"
    )
  })
})
