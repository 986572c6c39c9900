/**
 * Benchmark 2 with the combined trap: a machine program's round trip is one
 * `msg_send_receive` (send, then receive, in one trap, as Mach's mach_msg with
 * both options), made from an action (`callSys`), its result one event. The
 * pinger sends and receives the answer; the ponger answers and takes the next
 * ball; so each task takes one XState step per round trip (two in all), where
 * the invoke style takes about eight and callSys with two traps four. The
 * benchmark counts the steps of the timed loop and prints them.
 */
import { assign, setup } from 'xstate';
import { callSys, MACH_RCV_TIMED_OUT, type SysDoneEvent, type TaskInput } from '../index.ts';
import { xstatePingPong } from './baselines.ts';
import type { BenchContext, Benchmark } from './harness.ts';
import { end, initialContext, machinePingPong, more, pinger, start, type Ctx } from './pingpong-machine.ts';
import { BARRIER } from './workloads.ts';

type Done<N extends Parameters<typeof callSys>[0]> = SysDoneEvent<N>;

/** XState steps (events a program machine handled) in the timed loops. */
export const steps = { n: 0 };
const step = (): void => {
  steps.n++;
};

const sendReceiveMachine = setup({
  types: { context: {} as Ctx, input: {} as TaskInput, output: {} as number, events: {} as SysDoneEvent },
  guards: { pinger, more },
  actions: { next: assign({ i: ({ context }) => context.i + 1 }), start, end, step },
}).createMachine({
  context: initialContext,
  initial: 'allocating',
  states: {
    allocating: {
      entry: callSys('port_allocate'),
      on: { 'sys.port_allocate': { target: 'checkingIn', actions: assign({ port: ({ event }) => (event as Done<'port_allocate'>).output.name ?? 0 }) } },
    },
    checkingIn: {
      entry: callSys('netname_check_in', ({ context }: { context: Ctx }) => ({ name: context.me, port: context.port })),
      on: { 'sys.netname_check_in': 'lookingUp' },
    },
    lookingUp: {
      entry: callSys('netname_look_up', ({ context }: { context: Ctx }) => ({ name: context.peer, opts: { wait: true } })),
      on: { 'sys.netname_look_up': { target: 'atBarrier', actions: assign({ peerPort: ({ event }) => (event as Done<'netname_look_up'>).output.port ?? 0 }) } },
    },
    atBarrier: {
      entry: callSys('msg_receive', ({ context }: { context: Ctx }) => ({ name: context.notifyPort, opts: { timeout: BARRIER } })),
      on: {
        'sys.msg_receive': [
          { guard: ({ event }) => (event as Done<'msg_receive'>).output.code !== MACH_RCV_TIMED_OUT, target: 'failed' },
          { guard: 'pinger', target: 'playing', actions: 'start' },
          { target: 'waitingFirst', actions: 'start' },
        ],
      },
    },
    // The ponger's first ball: a plain receive; after that every round trip is one trap.
    waitingFirst: {
      entry: callSys('msg_receive', ({ context }: { context: Ctx }) => ({ name: context.port })),
      on: {
        'sys.msg_receive': [
          { guard: ({ context }) => context.n === 1, target: 'lastAnswer', actions: 'step' },
          { target: 'playing', actions: 'step' },
        ],
      },
    },
    playing: {
      // Send the ball (the pinger: i; the ponger: the i it got) and wait for the next one.
      entry: callSys('msg_send_receive', ({ context }: { context: Ctx }) => ({ dest: context.peerPort, msg: { id: 1, body: context.i }, rcv: context.port })),
      on: {
        'sys.msg_send_receive': [
          {
            guard: ({ event, context }) => {
              const out = (event as Done<'msg_send_receive'>).output;
              return !out.ok || out.msg.body !== (context.pinger ? context.i : context.i + 1);
            },
            target: 'failed',
          },
          // The ponger's last ball: answer it with a plain send, and stop.
          { guard: ({ context }) => !context.pinger && context.i + 2 === context.n, target: 'lastAnswer', actions: ['next', 'step'] },
          { guard: 'more', target: 'playing', reenter: true, actions: ['next', 'step'] },
          { target: 'done', actions: 'step' },
        ],
      },
    },
    lastAnswer: {
      entry: callSys('msg_send', ({ context }: { context: Ctx }) => ({ dest: context.peerPort, msg: { id: 1, body: context.i } })),
      on: { 'sys.msg_send': { target: 'done', actions: 'step' } },
    },
    done: { type: 'final', entry: ['end', assign({ finished: true })] },
    failed: { type: 'final' },
  },
  output: ({ context }) => (context.finished ? 0 : 1),
});

export default function pingPongMachineSendReceiveBench({ quick }: BenchContext): Benchmark {
  const n = quick ? 5_000 : 20_000;
  const nBase = quick ? 20_000 : 100_000;
  return {
    name: 'pingpong-machine-sendrecv: machine programs, one msg_send_receive per round trip via callSys, round trips/s (higher is better)',
    item: 2,
    unit: 'ops/s',
    aim: { min: 0.5 },
    run: async () => {
      steps.n = 0;
      const ms = await machinePingPong(n, sendReceiveMachine);
      // The ponger's last ball is the pinger's n-th answer: the ponger stops at n − 1 sends.
      if (steps.n < 2 * n - 2) throw new Error(`send-receive ping-pong: ${steps.n} steps for ${n} round trips`);
      process.stderr.write(`  (${(steps.n / n).toFixed(2)} XState steps per round trip)\n`);
      return (n / ms) * 1000;
    },
    baseline: { name: 'raw XState ping-pong', run: async () => (nBase / xstatePingPong(nBase)) * 1000 },
  };
}
