// Type tests (tstyche 5): registerStreamMetrics() takes the real prom-client module and
// registries, although the package's types never import prom-client.
import Fastify from 'fastify'
import * as client from 'prom-client'
import { expect, test } from 'tstyche'
import { registerStreamMetrics, type StreamMetricsOptions } from '../../plugin/metrics.js'
import type { PromClientLike, PromRegistryLike } from '../../plugin/prom-client-like.js'

const app = Fastify()

test('prom-client itself fits the structural types', () => {
  expect<typeof client>().type.toBeAssignableTo<PromClientLike>()
  expect<client.Registry>().type.toBeAssignableTo<PromRegistryLike>()
  expect<client.Registry<client.OpenMetricsContentType>>().type.toBeAssignableTo<PromRegistryLike>()
})

test('registerStreamMetrics() takes a registry, a client and a prefix, and resolves to nothing', () => {
  expect(registerStreamMetrics(app)).type.toBe<Promise<void>>()
  expect(registerStreamMetrics).type.toBeCallableWith(app, { registry: new client.Registry(), client, prefix: 'api_' })
  expect(registerStreamMetrics).type.toBeCallableWith(app, { registry: client.register })
  expect(registerStreamMetrics).type.not.toBeCallableWith(app, { registry: {} })
  expect(registerStreamMetrics).type.not.toBeCallableWith(app, { prefix: 1 })
  expect<{ registy: PromRegistryLike }>().type.not.toBeAssignableTo<StreamMetricsOptions>()
})
