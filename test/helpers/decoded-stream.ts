/**
 * A client for compressed streams: GETs a URL raw (Node's http does not decode), accepting
 * only one coding, and decodes the body with zlib's streaming decoder as it arrives, so a
 * test can wait for text the server has flushed.
 */
import http from 'node:http'
import { createBrotliDecompress, createGunzip } from 'node:zlib'

/** The codings a stream can be compressed with. */
export type Coding = 'gzip' | 'br'

/** A compressed stream being read. */
export interface DecodedStream {
  headers: http.IncomingHttpHeaders
  /** The text decoded so far. */
  decoded: () => string
  /** Resolves once `check` holds on the text decoded so far. */
  waitFor: (check: (text: string) => boolean) => Promise<void>
  /** The whole text once the body ended with a valid end; rejects when it did not. */
  ended: Promise<string>
  destroy: () => void
}

/** Opens `url` with `Accept: accept` and `Accept-Encoding: coding`. */
export function openDecoded (url: string, accept: string, coding: Coding = 'gzip'): Promise<DecodedStream> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { headers: { accept, 'accept-encoding': coding }, agent: false }, response => {
      const decoder = coding === 'gzip' ? createGunzip() : createBrotliDecompress()
      let text = ''
      const waiters: Array<{ check: (text: string) => boolean, resolve: () => void }> = []
      decoder.setEncoding('utf8').on('data', (chunk: string) => {
        text += chunk
        for (let i = waiters.length - 1; i >= 0; i--) {
          if (waiters[i]!.check(text)) waiters.splice(i, 1)[0]!.resolve()
        }
      })
      const ended = new Promise<string>((resolve, reject) => { decoder.on('end', () => resolve(text)).on('error', reject) })
      // A test that destroys the stream never asks how it ended: that is no unhandled rejection.
      ended.catch(() => {})
      response.pipe(decoder)
      // A body cut short (an aborted stream) never ends the decoder by itself: end it, so it
      // decodes what arrived, then fails on the missing end.
      response.on('close', () => { if (!response.complete) decoder.end() })
      resolve({
        headers: response.headers,
        decoded: () => text,
        waitFor: check => check(text) ? Promise.resolve() : new Promise(resolve => waiters.push({ check, resolve })),
        ended,
        destroy: () => request.destroy()
      })
    })
    request.on('error', reject)
  })
}
