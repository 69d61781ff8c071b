// Must NOT type-check: a route whose schema declares integer ids refuses a string id, so the
// typed-stream check reaches the consumer through the published types.
import Fastify from 'fastify'
import { Type } from 'typebox'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import fastifyStream, { streamContent } from 'fastify-stream'

const app = Fastify().withTypeProvider<TypeBoxTypeProvider>()
await app.register(fastifyStream)
app.get('/users', { schema: { response: { 200: streamContent(Type.Object({ id: Type.Integer() })) } } }, (_request, reply) =>
  reply.stream([{ id: 'one' }]))
