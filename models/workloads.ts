import type { Workload } from './workload.ts';

/**
 * The workloads that ship with the comparison (`compare`, `scenarios/mach-vs-direct.ts`).
 * Each is plain data: change a count or a capacity and run it again.
 */
export const WORKLOADS = {
  pingPong: {
    name: 'ping-pong',
    description: 'two processes, ten requests and replies',
    roles: [
      { name: 'server', steps: [{ op: 'serve', count: 10 }] },
      { name: 'client', steps: [{ op: 'call', to: 'server', count: 10, size: 64 }] },
    ],
  },
  manyClients: {
    name: 'many-clients',
    description: 'four clients, five calls each, to one server that computes 1 ms a request',
    roles: [
      { name: 'server', steps: [{ op: 'serve', count: 20, compute: 1 }] },
      { name: 'client', copies: 4, steps: [{ op: 'call', to: 'server', count: 5, size: 64 }] },
    ],
    needs: ['pass-right'],
  },
  pipeline: {
    name: 'pipeline',
    description: 'a source, two stages that compute 2 ms per item, and a sink; eight items',
    roles: [
      { name: 'source', steps: [{ op: 'send', to: 'stage1', count: 8, size: 256 }] },
      { name: 'stage1', steps: [{ op: 'forward', to: 'stage2', count: 8, compute: 2 }] },
      { name: 'stage2', steps: [{ op: 'forward', to: 'sink', count: 8, compute: 2 }] },
      { name: 'sink', steps: [{ op: 'receive', count: 8 }] },
    ],
    capacity: 2,
  },
  producerConsumer: {
    name: 'producer-consumer',
    description: 'a producer of twelve items into a buffer of three, a consumer that takes 3 ms an item',
    roles: [
      { name: 'producer', steps: [{ op: 'send', to: 'consumer', count: 12, size: 128 }] },
      { name: 'consumer', steps: [{ op: 'take', from: 'producer', count: 12, compute: 3, direct: true }] },
    ],
    capacity: 3,
  },
  workerPool: {
    name: 'worker-pool',
    description: 'a dealer of twelve jobs, three workers sharing them (2 ms a job), and a collector of the results',
    roles: [
      { name: 'dealer', steps: [{ op: 'deal', to: 'worker', count: 12, size: 64 }] },
      { name: 'worker', copies: 3, daemon: true, steps: [{ op: 'take', from: 'dealer', count: 12, compute: 2, reportTo: 'collector' }] },
      { name: 'collector', steps: [{ op: 'receive', count: 12 }] },
    ],
    needs: ['shared-mailbox'],
  },
  crash: {
    name: 'server-crash',
    description: 'a server crashes after three requests; a supervisor starts it again; two clients call four times each',
    roles: [
      { name: 'server', steps: [{ op: 'serve', count: 3, compute: 1 }, { op: 'crash' }, { op: 'serve', count: 5, compute: 1 }] },
      { name: 'supervisor', steps: [{ op: 'supervise', role: 'server' }] },
      { name: 'client', copies: 2, steps: [{ op: 'sleep', ms: 1 }, { op: 'call', to: 'server', count: 4, size: 64 }] },
    ],
    needs: ['stable-name'],
  },
} satisfies Record<string, Workload>;
