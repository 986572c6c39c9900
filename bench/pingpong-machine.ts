/**
 * 2. Mach ping-pong with XState-machine programs: each task is a machine that
 * invokes msg_send / msg_receive as actors (`setup({ actors: machActors })`),
 * one invoke per system call. Baseline: two raw XState root actors
 * ping-ponging. Aim: ratio ≥ 0.5.
 */
import { assign, setup, type AnyStateMachine } from 'xstate';
import { boot, machActors, MACH_RCV_TIMED_OUT, type TaskInput } from '../index.ts';
import { xstatePingPong } from './baselines.ts';
import type { BenchContext, Benchmark } from './harness.ts';
import { BARRIER, runChecked, SteadyClock } from './workloads.ts';

export interface Args {
  me: string;
  peer: string;
  /** The pinger sends first; the ponger receives first. */
  pinger: boolean;
  n: number;
  clock: SteadyClock;
}

export interface Ctx extends Args {
  notifyPort: number;
  port: number;
  peerPort: number;
  i: number;
  finished: boolean;
}

// What both machine styles share (this file's invoke machine, and pingpong-machine-events.ts).
export const pinger = ({ context }: { context: Ctx }): boolean => context.pinger;
export const more = ({ context }: { context: Ctx }): boolean => context.i + 1 < context.n;
export const start = ({ context }: { context: Ctx }): void => context.clock.start();
export const end = ({ context }: { context: Ctx }): void => context.clock.end();
export const initialContext = ({ input }: { input: TaskInput }): Ctx => ({
  ...(input.args as Args),
  notifyPort: input.notifyPort,
  port: 0,
  peerPort: 0,
  i: 0,
  finished: false,
});

/** A ping-pong task as a machine program: set-up, barrier, then send/receive n times. */
export const pingPongMachine = setup({
  types: { context: {} as Ctx, input: {} as TaskInput, output: {} as number },
  actors: machActors,
  guards: { pinger, more },
  actions: { next: assign({ i: ({ context }) => context.i + 1 }), start, end },
}).createMachine({
  context: initialContext,
  initial: 'allocating',
  states: {
    allocating: {
      invoke: {
        src: 'port_allocate',
        input: {},
        onDone: { target: 'checkingIn', actions: assign({ port: ({ event }) => event.output.name ?? 0 }) },
        onError: 'failed',
      },
    },
    checkingIn: {
      invoke: {
        src: 'netname_check_in',
        input: ({ context }) => ({ name: context.me, port: context.port }),
        onDone: 'lookingUp',
        onError: 'failed',
      },
    },
    lookingUp: {
      invoke: {
        src: 'netname_look_up',
        input: ({ context }) => ({ name: context.peer, opts: { wait: true } }),
        onDone: { target: 'atBarrier', actions: assign({ peerPort: ({ event }) => event.output.port ?? 0 }) },
        onError: 'failed',
      },
    },
    atBarrier: {
      // Set-up happens at virtual time 0: a receive timing out at BARRIER waits for every task's set-up.
      invoke: {
        src: 'msg_receive',
        input: ({ context }) => ({ name: context.notifyPort, opts: { timeout: BARRIER } }),
        onDone: [
          { guard: ({ event }) => event.output.code !== MACH_RCV_TIMED_OUT, target: 'failed' },
          { guard: 'pinger', target: 'sending', actions: 'start' },
          { target: 'receiving', actions: 'start' },
        ],
        onError: 'failed',
      },
    },
    sending: {
      invoke: {
        src: 'msg_send',
        input: ({ context }) => ({ dest: context.peerPort, msg: { id: 1, body: context.i } }),
        onDone: [
          { guard: ({ event }) => event.output !== 0, target: 'failed' },
          { guard: 'pinger', target: 'receiving' },
          { guard: 'more', target: 'receiving', actions: 'next' },
          { target: 'done' },
        ],
        onError: 'failed',
      },
    },
    receiving: {
      invoke: {
        src: 'msg_receive',
        input: ({ context }) => ({ name: context.port }),
        onDone: [
          { guard: ({ event, context }) => !event.output.ok || event.output.msg.body !== context.i, target: 'failed' },
          { guard: ({ context }) => !context.pinger, target: 'sending' },
          { guard: 'more', target: 'sending', actions: 'next' },
          { target: 'done' },
        ],
        onError: 'failed',
      },
    },
    done: { type: 'final', entry: ['end', assign({ finished: true })] },
    failed: { type: 'final' },
  },
  output: ({ context }) => (context.finished ? 0 : 1),
});

/** Ping-pong between two tasks running `machine` (n round trips); returns the steady state's ms. */
export async function machinePingPong(n: number, machine: AnyStateMachine = pingPongMachine): Promise<number> {
  const k = boot({ seed: 1, trace: false });
  const clock = new SteadyClock(2);
  k.spawn('ping', machine, { args: { me: 'ping', peer: 'pong', pinger: true, n, clock } satisfies Args });
  k.spawn('pong', machine, { args: { me: 'pong', peer: 'ping', pinger: false, n, clock } satisfies Args });
  await runChecked(k, 'machine ping-pong');
  return clock.ms();
}

export default function pingPongMachineBench({ quick }: BenchContext): Benchmark {
  const n = quick ? 3_000 : 10_000;
  const nBase = quick ? 20_000 : 100_000;
  return {
    name: 'pingpong-machine: Mach ping-pong, XState-machine programs, round trips/s (higher is better)',
    item: 2,
    unit: 'ops/s',
    aim: { min: 0.5 },
    run: async () => (n / (await machinePingPong(n))) * 1000,
    baseline: { name: 'raw XState ping-pong', run: async () => (nBase / xstatePingPong(nBase)) * 1000 },
  };
}
