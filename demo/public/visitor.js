// Who this browser is in the chat: a random visitor id and the name it chats under, both
// kept in localStorage, so every tab of the browser is one visitor with one name.

/* global localStorage */

const VISITOR_KEY = 'fastify-stream-demo.visitor'
const NAME_KEY = 'fastify-stream-demo.chat-name'

/** Reads a stored value; storage can be disabled, which reads as nothing stored. */
function read (key) {
  try {
    return localStorage.getItem(key) ?? ''
  } catch {
    return ''
  }
}

/** Stores a value, when storage is allowed. */
function write (key, value) {
  try {
    localStorage.setItem(key, value)
  } catch {}
}

/** This browser's visitor id, made once (a UUID: the server accepts 8 to 64 of [A-Za-z0-9_-]). */
export function visitorId () {
  const known = read(VISITOR_KEY)
  if (/^[A-Za-z0-9_-]{8,64}$/.test(known)) return known
  const made = crypto.randomUUID()
  write(VISITOR_KEY, made)
  return made
}

/** The name this browser chats under, '' before it has sent a message. */
export function chatName () {
  return read(NAME_KEY)
}

/** Keeps the chat name for the next visit and every tab. */
export function keepChatName (name) {
  write(NAME_KEY, name)
}
