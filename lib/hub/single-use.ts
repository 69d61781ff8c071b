/**
 * The rule of this package's adapter factories: one adapter, for one hub. A Redis adapter's
 * connections are opened (and waited for) by `createRedisAdapter()`, so they can serve only
 * the first hub. The memory adapter follows the same rule, so that code written against it
 * fails the same way on Redis instead of silently giving a second hub a store of its own.
 */
import { errors } from '../errors.js'
import type { HubAdapterFactory } from './adapter.js'

/**
 * Wraps `make` so it runs once.
 * @throws FST_STREAM_INVALID_OPTION (from the returned factory) when it is called again.
 */
export function singleUse (make: HubAdapterFactory): HubAdapterFactory {
  let used = false
  return context => {
    if (used) throw new errors.FST_STREAM_INVALID_OPTION('adapter', 'already belongs to a hub; create one adapter per hub')
    used = true
    return make(context)
  }
}
