/**
 * `fastify.hub`: the instance's broadcast hub. In memory unless the `hub` option brings an
 * adapter (Redis, for several processes) or a hub made elsewhere with `createHub()`.
 */
import type { FastifyInstance } from 'fastify'
import { createHub, isHub } from '../lib/hub/create-hub.js'
import type { Hub } from '../lib/hub/hub.js'
import type { HubOptions } from '../lib/hub/options.js'

/** The plugin's `hub` option: options for the hub it creates, or a ready hub. */
export type HubOption = HubOptions | Hub

/** Checks the `hub` option's shape; `createHub()` checks its fields when the plugin registers. */
export function checkHubOption (value: unknown): string | undefined {
  if (isHub(value) || (typeof value === 'object' && value !== null && !Array.isArray(value))) return undefined
  return 'must be hub options ({ historySize, maxQueue, overflow, adapter }) or a hub from createHub()'
}

/**
 * Decorates `fastify.hub`. A hub the plugin creates logs to `fastify.log` and is closed on
 * `fastify.close()`. A hub passed in
 * stays its owner's to close (it may serve several instances), as @fastify/redis does with
 * a client it was given.
 * @throws FST_STREAM_INVALID_OPTION for bad hub options.
 */
export function decorateHub (fastify: FastifyInstance, option: HubOption | undefined): void {
  let hub: Hub
  if (isHub(option)) {
    hub = option
  } else {
    const created = createHub({ logger: fastify.log, ...option })
    // onClose runs after preClose has ended every stream, so no subscriber is cut mid-event.
    fastify.addHook('onClose', () => created.close())
    hub = created
  }
  fastify.decorate('hub', hub)
}
