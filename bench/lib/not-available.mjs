/**
 * Thrown by a scenario whose subject (the hub, the demo) is not in this build yet: the run
 * reports it and goes on, instead of failing.
 */
export class NotAvailable extends Error {
  /** @param {string} reason what is missing, e.g. "fastify-stream/core has no createHub". */
  constructor (reason) {
    super(reason)
    this.name = 'NotAvailable'
  }
}
