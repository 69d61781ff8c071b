/**
 * What the Redis engine tests import: the public hub API, plus the publish script so a test
 * can publish "behind the adapter's back" (on a channel nobody hears) to make a gap.
 */
export { errors, type SseEvent } from '../../lib/index.js'
export { createHub, createRedisAdapter, type Hub, type HubSubscription } from '../../lib/hub/index.js'
export { PUBLISH_SCRIPT as PUBLISH_SCRIPT_FOR_TESTS } from '../../lib/hub/redis/publish-script.js'
