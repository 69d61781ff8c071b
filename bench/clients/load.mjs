/**
 * The load-generator process: pinned to its own core, it runs whatever client the
 * orchestrator asks for, so the server under test never shares a CPU with its load.
 */
import { serveCalls } from '../lib/rpc.mjs'
import { runCannon } from './cannon.mjs'
import { dropStreams } from './drop.mjs'
import { closeSubscribers, collectSubscribers, openSubscribers } from './fanout.mjs'
import { closeFastReaders, openFastReaders } from './fast-readers.mjs'
import { holdStreams } from './hold.mjs'
import { closeIdle, openIdle } from './idle.mjs'
import { pingSeries } from './ping.mjs'
import { readCoded, readStream } from './read-stream.mjs'
import { slowClient } from './slow.mjs'
import { closeTicking, collectTicking, openTicking } from './ticking.mjs'

serveCalls({
  readStream,
  readCoded,
  runCannon,
  holdStreams,
  openIdle,
  closeIdle,
  slowClient,
  dropStreams,
  openSubscribers,
  collectSubscribers,
  closeSubscribers,
  openFastReaders,
  closeFastReaders,
  pingSeries,
  openTicking,
  collectTicking,
  closeTicking
})
