// The newest fake users, newest first, and a check that the feed's ids are continuous:
// after a pause, a rate change or a server restart the next id must be the last one + 1.

import { formatDate, formatInteger } from './format.js'

const MAX_ROWS = 14

/**
 * @param {{ body: HTMLElement, empty: HTMLElement, received: HTMLElement, sequence: HTMLElement }} elements
 */
export function createUsersTable ({ body, empty, received, sequence }) {
  let count = 0
  let lastId = 0
  let gaps = 0
  let duplicates = 0

  const showSequence = () => {
    const ok = gaps === 0 && duplicates === 0
    sequence.dataset.ok = String(ok)
    sequence.textContent = ok
      ? 'sequence continuous'
      : `${gaps} missing, ${duplicates} repeated`
  }

  return {
    /** Shows one user (the feed's `data`) with its event id. */
    add (user) {
      const id = Number(user.id)
      if (lastId !== 0 && id > lastId + 1) gaps += id - lastId - 1
      if (lastId !== 0 && id <= lastId) duplicates++
      lastId = Math.max(lastId, id)
      count++
      received.textContent = `${formatInteger(count)} received`
      showSequence()
      empty.hidden = true
      body.prepend(row(user))
      while (body.rows.length > MAX_ROWS) body.lastElementChild.remove()
    }
  }
}

function row (user) {
  const tr = document.createElement('tr')
  tr.dataset.id = String(user.id)
  tr.className = 'fresh'
  tr.append(
    cell(formatInteger(user.id), 'num mono'),
    personCell(user),
    cell(user.email, 'muted email'),
    cell(user.ip, 'mono muted'),
    cell(user.country, 'country'),
    cell(formatDate(user.createdAt), 'muted')
  )
  return tr
}

function personCell (user) {
  const td = document.createElement('td')
  const wrap = document.createElement('div')
  wrap.className = 'user-cell'
  const avatar = document.createElement('span')
  avatar.className = 'avatar'
  avatar.textContent = initials(user.fullName)
  // A stable hue per user, so the same person always has the same colour.
  avatar.style.setProperty('--hue', String((Number(user.id) * 47) % 360))
  const text = document.createElement('span')
  text.className = 'person'
  const name = document.createElement('span')
  name.className = 'person-name'
  name.textContent = user.fullName
  const handle = document.createElement('span')
  handle.className = 'person-handle'
  handle.textContent = `@${user.username}`
  text.append(name, handle)
  wrap.append(avatar, text)
  td.append(wrap)
  return td
}

function cell (text, className = '') {
  const td = document.createElement('td')
  td.textContent = text
  if (className !== '') td.className = className
  return td
}

function initials (fullName) {
  return fullName.split(/\s+/).filter(Boolean).slice(0, 2).map(part => part[0].toUpperCase()).join('')
}
