// The chat panel: the recent messages and then live ones arrive on the dashboard's shared
// stream (GET /api/live, `chat` events), and a small form posts to POST /api/chat. Every
// reconnect resumes after the last message seen, so a server restart with Redis, or a switch
// to another instance, shows every message without a gap. When the history cannot reach
// back (an in-memory hub restarted), the server sends `chat-reset` and the panel says so.
// Everything the server or a person sends goes in with textContent.

/* global fetch */

import { panelBadge } from './connection-badge.js'
import { live } from './dashboard-live.js'
import { chatName, keepChatName } from './visitor.js'

const POST_URL = '/api/chat'
// The shared stream carries a metrics sample every second, so a second without any event
// is a stream that has stalled, whether or not anyone is chatting.
const STREAM_INTERVAL_MS = 1000
const MAX_SHOWN = 200
const LIMITS = { name: 32, text: 500 }

const RESET_TEXT = {
  stale: 'The server restarted and its in-memory history is gone; new messages continue below.',
  expired: 'Some messages are older than the history the server keeps; new messages continue below.',
  unknown: 'The server does not know the last message this page saw; new messages continue below.',
  invalid: 'The resume position was not valid; new messages continue below.'
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' })

/** Creates an element with properties and children (strings become text nodes). */
function el (tag, props = {}, ...children) {
  const node = document.createElement(tag)
  for (const [key, value] of Object.entries(props)) {
    if (key === 'dataset') Object.assign(node.dataset, value)
    else node[key] = value
  }
  node.append(...children)
  return node
}

function badge () {
  return el('div', { className: 'conn', id: 'conn-chat', dataset: { state: 'connecting' } },
    el('span', { className: 'conn-dot', ariaHidden: 'true' }),
    el('span', { className: 'conn-body' },
      el('span', { className: 'conn-top' }, el('span', { className: 'conn-name', textContent: 'chat' }), el('span', { className: 'conn-state', textContent: 'connecting' })),
      el('span', { className: 'conn-meta' }, el('span', { className: 'conn-id', textContent: '0 messages' }), el('span', { className: 'conn-reconnects', hidden: true }), el('span', { className: 'conn-rate', textContent: '0/s' }))))
}

function buildPanel (panel) {
  const link = el('link', { rel: 'stylesheet', href: '/chat.css' })
  document.head.append(link)
  const parts = {
    badge: badge(),
    count: el('span', { id: 'chat-count', textContent: '0 messages' }),
    log: el('ol', { className: 'chat-log', id: 'chat-log', ariaLive: 'polite', dataset: { messages: '0' } }),
    empty: el('p', { className: 'empty', id: 'chat-empty', textContent: 'No messages yet. Say hello!' }),
    name: el('input', { name: 'name', id: 'chat-name', placeholder: 'Your name', maxLength: LIMITS.name, required: true, autocomplete: 'nickname' }),
    text: el('input', { name: 'text', id: 'chat-text', placeholder: 'Message', maxLength: LIMITS.text, required: true, autocomplete: 'off' }),
    send: el('button', { className: 'button primary', type: 'submit', textContent: 'Send' }),
    status: el('p', { className: 'chat-status', id: 'chat-status', role: 'status' }),
    online: el('p', { className: 'chat-online', id: 'chat-online', ariaLive: 'polite' },
      el('span', { className: 'chat-online-count', id: 'chat-online-count', textContent: 'Who is online…' }),
      el('span', { className: 'chat-online-names', id: 'chat-online-names' }))
  }
  parts.form = el('form', { className: 'chat-form', id: 'chat-form' }, parts.name, parts.text, parts.send)
  panel.append(el('article', { className: 'card chat-card' },
    el('header', { className: 'card-head' },
      el('div', {},
        el('h2', { textContent: 'Chat' }),
        el('p', { className: 'card-sub' }, 'Published once through fastify.hub, framed once, sent to every open page · ', parts.count)),
      parts.badge),
    parts.online, parts.log, parts.empty, parts.form, parts.status))
  return parts
}

// A stable hue per name, so a person keeps their colour across messages and reloads.
function hueOf (name) {
  let hash = 0
  for (const char of name) hash = (hash * 31 + char.codePointAt(0)) >>> 0
  return hash % 360
}

function createChatLog (parts) {
  let shown = 0
  const append = item => {
    const log = parts.log
    const nearBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40
    log.append(item)
    while (log.children.length > MAX_SHOWN) log.firstElementChild.remove()
    if (nearBottom) log.scrollTop = log.scrollHeight
    parts.empty.hidden = true
  }
  return {
    message (message, id) {
      const item = el('li', { className: 'chat-item fresh', dataset: { id } },
        el('span', { className: 'chat-avatar', ariaHidden: 'true', textContent: [...message.name][0]?.toUpperCase() ?? '?' }),
        el('span', { className: 'chat-name', textContent: message.name }),
        el('time', { className: 'chat-time', dateTime: message.at, textContent: timeFormat.format(new Date(message.at)) }),
        el('span', { className: 'chat-text', textContent: message.text }))
      // CSSOM, not a style attribute: the page's CSP allows the former only.
      item.style.setProperty('--hue', String(hueOf(message.name)))
      append(item)
      shown++
      parts.log.dataset.messages = String(shown)
      parts.count.textContent = `${shown} message${shown === 1 ? '' : 's'}`
    },
    notice (text, kind) {
      append(el('li', { className: 'chat-notice', dataset: { kind }, textContent: text }))
    }
  }
}

/** Shows who is online: every visitor (one per browser) with its chat name, and the count. */
function showOnline (parts, { users, list }) {
  const [count, names] = parts.online.children
  count.textContent = `${users} online`
  names.replaceChildren(...list.map(user => el('span', { className: 'chat-online-name', textContent: user.info.name })))
  parts.online.dataset.users = String(users)
}

/** Shows the chat's messages and resets from the shared stream, with a truthful badge. */
function followChat (parts, log) {
  live.on('chat', (message, id) => log.message(message, id))
  live.on('chat-presence', page => showOnline(parts, page))
  // The resume could not be honoured: say so; the recent messages follow.
  live.on('chat-reset', ({ reason }) => log.notice(RESET_TEXT[reason] ?? RESET_TEXT.unknown, reason))
  panelBadge(parts.badge, live, {
    type: 'chat',
    staleType: 'any',
    expectedMs: () => STREAM_INTERVAL_MS,
    meta: () => parts.count.textContent,
    showRate: false
  })
}

function setupForm (parts) {
  const say = (text, kind = 'info') => {
    parts.status.textContent = text
    parts.status.dataset.kind = kind
  }
  // Storage can be disabled; the name is then asked for on each visit.
  parts.name.value = chatName()
  parts.form.addEventListener('submit', async event => {
    event.preventDefault()
    const name = parts.name.value.trim()
    const text = parts.text.value.trim()
    if (name === '' || text === '') return say('Enter a name and a message.', 'error')
    keepChatName(name)
    // The list of who is online shows the name this browser chats under.
    if (live.status().settings.name !== name) live.configure({ name })
    parts.send.disabled = true
    try {
      const response = await fetch(POST_URL, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, text }) })
      if (response.status === 201) {
        parts.text.value = ''
        say('')
      } else if (response.status === 429) {
        say('Slow down: too many messages from your address. Try again in a few seconds.', 'error')
      } else {
        const body = await response.json().catch(() => ({}))
        say(body.message ?? `The server answered ${response.status}.`, 'error')
      }
    } catch {
      say('The server is unreachable; try again in a moment.', 'error')
    } finally {
      parts.send.disabled = false
      parts.text.focus()
    }
  })
}

const panel = document.getElementById('chat-panel')
if (panel !== null) {
  const parts = buildPanel(panel)
  followChat(parts, createChatLog(parts))
  setupForm(parts)
}
