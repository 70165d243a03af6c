// The world every unit and scenario test shares: one account, region, cluster and service, one
// repository, and the moment its stories begin. Each name here means one thing everywhere.

export const ACCOUNT = '123456789012'
export const REGION = 'eu-north-1'
export const CLUSTER = 'babyshield-cluster'
export const SERVICE = 'babyshield-backend-service'
export const REPOSITORY_URI = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/babyshield-backend`
/** When the scripted stories begin. */
export const T0 = Date.parse('2026-11-26T12:00:00Z')
