/**
 * Benchmark 2 again, with the machine programs making their system calls from
 * actions (`callSys`) and getting the results as events, instead of invoking
 * one actor per call. Same workload, same baseline; a reference line next to 2.
 */
import { assign, setup } from 'xstate';
import { callSys, MACH_RCV_TIMED_OUT, type SysDoneEvent, type TaskInput } from '../index.ts';
import { xstatePingPong } from './baselines.ts';
import type { BenchContext, Benchmark } from './harness.ts';
import { end, initialContext, machinePingPong, more, pinger, start, type Ctx } from './pingpong-machine.ts';
import { BARRIER } from './workloads.ts';

type Done<N extends Parameters<typeof callSys>[0]> = SysDoneEvent<N>;

const eventsMachine = setup({
  types: { context: {} as Ctx, input: {} as TaskInput, output: {} as number, events: {} as SysDoneEvent },
  guards: { pinger, more },
  actions: { next: assign({ i: ({ context }) => context.i + 1 }), start, end },
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
          { guard: 'pinger', target: 'sending', actions: 'start' },
          { target: 'receiving', actions: 'start' },
        ],
      },
    },
    sending: {
      entry: callSys('msg_send', ({ context }: { context: Ctx }) => ({ dest: context.peerPort, msg: { id: 1, body: context.i } })),
      on: {
        'sys.msg_send': [
          { guard: ({ event }) => (event as Done<'msg_send'>).output !== 0, target: 'failed' },
          { guard: 'pinger', target: 'receiving' },
          { guard: 'more', target: 'receiving', actions: 'next' },
          { target: 'done' },
        ],
      },
    },
    receiving: {
      entry: callSys('msg_receive', ({ context }: { context: Ctx }) => ({ name: context.port })),
      on: {
        'sys.msg_receive': [
          {
            guard: ({ event, context }) => {
              const out = (event as Done<'msg_receive'>).output;
              return !out.ok || out.msg.body !== context.i;
            },
            target: 'failed',
          },
          { guard: ({ context }) => !context.pinger, target: 'sending' },
          { guard: 'more', target: 'sending', actions: 'next' },
          { target: 'done' },
        ],
      },
    },
    done: { type: 'final', entry: ['end', assign({ finished: true })] },
    failed: { type: 'final' },
  },
  output: ({ context }) => (context.finished ? 0 : 1),
});

export default function pingPongMachineEventsBench({ quick }: BenchContext): Benchmark {
  const n = quick ? 5_000 : 20_000;
  const nBase = quick ? 20_000 : 100_000;
  return {
    name: 'pingpong-machine-events: Mach ping-pong, machine programs with callSys, round trips/s (higher is better)',
    item: 2,
    unit: 'ops/s',
    run: async () => (n / (await machinePingPong(n, eventsMachine))) * 1000,
    baseline: { name: 'raw XState ping-pong', run: async () => (nBase / xstatePingPong(nBase)) * 1000 },
  };
}
