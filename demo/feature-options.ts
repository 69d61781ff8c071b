/**
 * What every feature plugin of the demo (demo/routes/) receives from `buildApp()` (app.ts):
 * the configuration and the state all clients share.
 */
import type { DemoConfig } from './config.js'
import type { SharedState } from './shared-state.js'

/** The options of each feature plugin. */
export interface DemoPluginOptions {
  config: DemoConfig
  /** The metrics history and recent chat every client shares. */
  shared: SharedState
}
