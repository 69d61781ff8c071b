// Must NOT type-check: proves the consumer check is real (a number is no stream source).
import Fastify from 'fastify'
import fastifyStream from 'fastify-stream'

const app = Fastify()
await app.register(fastifyStream)
app.get('/', (_request, reply) => reply.stream(42))
