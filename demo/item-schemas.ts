/**
 * The JSON Schemas of what the demo's streams carry. Each stream route declares them in
 * `schema.response[200].content`, so its items are written by a compiled serializer (only
 * these fields reach the wire), and the API reference at /documentation shows them.
 */

/** One fake user (fake-users.ts). */
export const FakeUserSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer', minimum: 1, description: 'The user\'s sequence number' },
    username: { type: 'string' },
    fullName: { type: 'string' },
    email: { type: 'string' },
    ip: { type: 'string', description: 'A private IPv4 address (RFC 1918)' },
    country: { type: 'string' },
    createdAt: { type: 'string', format: 'date-time' }
  },
  required: ['id', 'username', 'fullName', 'email', 'ip', 'country', 'createdAt']
} as const

/** One chat message (chat-message.ts). */
export const ChatMessageSchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    text: { type: 'string' },
    at: { type: 'string', format: 'date-time', description: 'When the server accepted it' }
  },
  required: ['name', 'text', 'at']
} as const

/** One monitoring sample (metrics.ts). */
export const MonitorSampleSchema = {
  type: 'object',
  properties: {
    seq: { type: 'integer' },
    time: { type: 'number', description: 'ms since the epoch' },
    elapsedSeconds: { type: 'number' },
    cpu: { type: 'object', properties: { process: { type: 'number' }, system: { type: 'number' } }, required: ['process', 'system'] },
    loadAverage: { type: 'array', items: { type: 'number' } },
    memory: { type: 'object', properties: { rss: { type: 'number' }, heapUsed: { type: 'number' }, heapTotal: { type: 'number' } }, required: ['rss', 'heapUsed', 'heapTotal'] },
    eventLoop: {
      type: 'object',
      properties: { delayP50Ms: { type: 'number' }, delayP99Ms: { type: 'number' }, utilization: { type: 'number' } },
      required: ['delayP50Ms', 'delayP99Ms', 'utilization']
    },
    uptimeSeconds: { type: 'number' },
    streams: { type: 'object', description: 'The plugin\'s counters (fastify.streams) and rates', additionalProperties: { type: 'number' } }
  },
  required: ['seq', 'time', 'elapsedSeconds', 'cpu', 'loadAverage', 'memory', 'eventLoop', 'uptimeSeconds', 'streams']
} as const

/** A hub `reset`: the client's cursor could not be honoured (fastify-stream's ResetData). */
export const ResetSchema = {
  type: 'object',
  properties: {
    reason: { type: 'string', enum: ['invalid', 'stale', 'expired', 'unknown'] },
    earliest: { type: ['string', 'null'], description: 'The oldest id still retained' }
  },
  required: ['reason', 'earliest']
} as const

/** Who is in the chat: the hub's presence of the chat topic, names only (fastify-stream's PresencePage). */
export const ChatPresenceSchema = {
  type: 'object',
  properties: {
    clients: { type: 'integer', description: 'Connections with presence (one per browser)' },
    users: { type: 'integer', description: 'Distinct visitors' },
    list: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          info: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
          clients: { type: 'integer' }
        },
        required: ['id', 'info', 'clients']
      }
    }
  },
  required: ['clients', 'users', 'list']
} as const
