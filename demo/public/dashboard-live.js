// The dashboard's one connection, shared by its panels (app.js, chat.js) and by every tab
// of this browser: GET /api/live carries the monitor, the user feed and the chat as event
// types. The feed's rate and pause are settings of the stream, so every tab follows them.

import { connectSharedLive } from './shared-live.js'
import { chatName, visitorId } from './visitor.js'

/** The stream and its controls, for every panel of this page. */
export const live = connectSharedLive({
  name: 'fastify-stream-demo.live',
  // The visitor and its chat name put this browser in the chat's list of who is online.
  urlFor: ({ feedIntervalMs, paused, visitor, name }) => `/api/live?feedIntervalMs=${feedIntervalMs}&feed=${paused ? 'off' : 'on'}` +
    `&visitor=${encodeURIComponent(visitor)}` + (name === '' ? '' : `&name=${encodeURIComponent(name)}`),
  events: ['metrics', 'metrics-history', 'user', 'chat', 'chat-reset', 'chat-presence'],
  settings: { feedIntervalMs: 1000, paused: false, visitor: visitorId(), name: chatName() }
})
