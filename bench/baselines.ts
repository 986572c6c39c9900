/**
 * The building blocks the emulator is measured against, run in the same
 * process: raw XState v5 root actors, and Node's MessageChannel to a worker
 * thread.
 */
import { Worker } from 'node:worker_threads';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { assign, createActor, setup, type AnyActorRef } from 'xstate';

/**
 * Two raw XState root actors ping-ponging with actor.send: the pinger sends
 * `ping` (carrying itself), the ponger answers `pong`, n times. Returns ms.
 */
export function xstatePingPong(n: number): number {
  let count = 0;
  const ponger = createActor(
    setup({ types: { events: {} as { type: 'ping'; from: AnyActorRef; i: number } } }).createMachine({
      on: { ping: { actions: ({ event }) => event.from.send({ type: 'pong', i: event.i }) } },
    }),
  ).start();
  const pinger: AnyActorRef = createActor(
    setup({ types: { events: {} as { type: 'pong'; i: number } } }).createMachine({
      on: {
        pong: {
          actions: ({ event }) => {
            if (event.i !== count) throw new Error('xstate ping-pong: out of order');
            if (++count < n) ponger.send({ type: 'ping', from: pinger, i: count });
          },
        },
      },
    }),
  ).start();
  const t0 = performance.now();
  ponger.send({ type: 'ping', from: pinger, i: 0 });
  const ms = performance.now() - t0;
  if (count !== n) throw new Error(`xstate ping-pong: ${count} of ${n} round trips`);
  pinger.stop();
  ponger.stop();
  return ms;
}

/** A small machine with a counter in its context: what one raw actor costs. */
export const counterMachine = setup({
  types: { context: {} as { n: number }, events: {} as { type: 'msg'; body: number } },
}).createMachine({
  context: { n: 0 },
  initial: 'idle',
  states: {
    idle: { on: { msg: { actions: assign({ n: ({ context }) => context.n + 1 }) } } },
  },
});

/** raw actor.send one way: n events into one root actor that counts them. Returns ms. */
export function xstateOneWay(n: number): number {
  const actor = createActor(counterMachine).start();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) actor.send({ type: 'msg', body: i });
  const ms = performance.now() - t0;
  if (actor.getSnapshot().context.n !== n) throw new Error('xstate one-way: lost events');
  actor.stop();
  return ms;
}

/** createActor(m).start() then .stop(), n times. Returns ms. */
export function xstateCreateStop(n: number): number {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) createActor(counterMachine).start().stop();
  return performance.now() - t0;
}

/** n live raw XState root actors (started, idle); the caller measures the heap while it holds them. */
export function xstateLiveActors(n: number): unknown[] {
  const actors: unknown[] = new Array(n);
  for (let i = 0; i < n; i++) actors[i] = createActor(counterMachine).start();
  return actors;
}

/** Node MessageChannel ping-pong between the main thread and a worker thread that echoes. */
export class WorkerEcho {
  private worker: Worker | null = null;
  private port: MessagePort | null = null;

  private async open(): Promise<MessagePort> {
    if (this.port) return this.port;
    const worker = new Worker(
      `const { parentPort } = require('node:worker_threads');
       parentPort.once('message', (port) => { port.on('message', (m) => port.postMessage(m)); });`,
      { eval: true },
    );
    const { port1, port2 } = new MessageChannel();
    worker.postMessage(port2, [port2]);
    this.worker = worker;
    this.port = port1;
    await this.roundTrips(1000); // the worker is up and both sides are warm
    return port1;
  }

  private roundTrips(n: number): Promise<void> {
    const port = this.port!;
    return new Promise<void>((resolve, reject) => {
      let i = 0;
      const onMessage = (m: number): void => {
        if (m !== i) {
          port.off('message', onMessage);
          reject(new Error(`MessageChannel: got ${m}, expected ${i}`));
        } else if (++i < n) port.postMessage(i);
        else {
          port.off('message', onMessage);
          resolve();
        }
      };
      port.on('message', onMessage);
      port.postMessage(0);
    });
  }

  /** n round trips; returns ms (the worker's start-up is not counted). */
  async pingPong(n: number): Promise<number> {
    await this.open();
    const t0 = performance.now();
    await this.roundTrips(n);
    return performance.now() - t0;
  }

  async close(): Promise<void> {
    this.port?.close();
    await this.worker?.terminate();
    this.port = null;
    this.worker = null;
  }
}
