import { fromPromise, type AnyActorRef } from 'xstate';
import { ROUTINES, type RoutineDef, type RoutineName } from '../kernel/server/defs.ts';
import { inputProblem, isSyscall } from './inputs.ts';
import type { Sys } from './sys.ts';

/** The traps and the helpers that are not routines of the interface table. */
const TRAP_PARAMS = {
  msg_send: ['dest', 'msg', 'opts'],
  msg_receive: ['name', 'opts'],
  msg_rpc: ['dest', 'msg', 'opts'],
  msg_send_receive: ['dest', 'msg', 'rcv', 'opts'],
  call: ['dest', 'id', 'body', 'rights'],
  sleep: ['ms'],
  compute: ['ms'],
  send: ['pid', 'body', 'opts'],
  receive: ['from', 'opts'],
  mailbox_send: ['mailbox', 'body', 'opts'],
  sem_wait: ['semaphore'],
  sem_post: ['semaphore'],
  sem_trywait: ['semaphore'],
  mutex_create: ['name'],
  mutex_lock: ['mutex'],
  mutex_unlock: ['mutex'],
} as const;

/** The parameter names of an interface routine's stub, from its `args` in the table. */
type ArgNames<A> = { readonly [I in keyof A]: A[I] extends readonly [infer N, ...unknown[]] ? N : never };
type RoutineParams = { readonly [N in RoutineName]: ArgNames<(typeof ROUTINES)[N]['args']> };

/**
 * The parameters of each system call, in order: a machine program invokes a
 * call with an `input` object of these names. The routines' come from the
 * interface table (`ROUTINES`, kernel/server/defs.ts); the traps' are above.
 *
 * @example
 * invoke: { src: 'msg_receive', input: ({ context }) => ({ name: context.port, opts: { timeout: 50 } }), onDone: … }
 */
export const SYSCALL_PARAMS: typeof TRAP_PARAMS & RoutineParams = {
  ...TRAP_PARAMS,
  ...(Object.fromEntries(Object.values(ROUTINES).map((d: RoutineDef) => [d.name, d.args.map((a) => a[0])])) as unknown as RoutineParams),
};

/** @internal A compile-time check: every routine and trap named here is a method of Sys. */
export type _EveryCallIsOnSys = Assert<keyof typeof SYSCALL_PARAMS extends keyof Sys ? true : false>;
type Assert<T extends true> = T;

export type SyscallName = keyof typeof SYSCALL_PARAMS;

type Params<N extends SyscallName> = Parameters<Sys[N]>;
type Names<N extends SyscallName> = (typeof SYSCALL_PARAMS)[N];
type Param<N extends SyscallName, I> = Params<N>[I & keyof Params<N>];
/** A call's input object: its parameters by name, the optional ones optional. */
type InputOf<N extends SyscallName> = {
  [I in keyof Names<N> & `${number}` as undefined extends Param<N, I> ? never : Names<N>[I] & string]: Param<N, I>;
} & {
  [I in keyof Names<N> & `${number}` as undefined extends Param<N, I> ? Names<N>[I] & string : never]?: Param<N, I>;
};

/** XState actor logic for each system call: input is the call's named parameters, output what the call resolves to. */
export type SyscallActors = {
  [N in SyscallName]: ReturnType<typeof fromPromise<Awaited<ReturnType<Sys[N]>>, InputOf<N>>>;
};

function build(impl: (name: SyscallName, input: Record<string, unknown>) => Promise<unknown>): SyscallActors {
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(SYSCALL_PARAMS) as SyscallName[]) {
    out[name] = fromPromise(({ input }: { input: Record<string, unknown> }) => impl(name, input ?? {}));
  }
  return out as SyscallActors;
}

/** The system calls of one task as actors (the kernel provides these to a machine program). */
export function syscallActors(sys: Sys): SyscallActors {
  return build(async (name, input) => {
    const problem = inputProblem(name, input);
    if (problem) throw new TypeError(problem);
    const args = (SYSCALL_PARAMS[name] as readonly string[]).map((p) => input[p]);
    return (sys[name] as (...a: unknown[]) => Promise<unknown>)(...args);
  });
}

/**
 * Placeholders with the right types, for `setup({ actors: machActors })` in a
 * machine program. The kernel replaces them with the task's real calls; run
 * outside a kernel they reject.
 */
export const machActors: SyscallActors = build(async (name) => {
  throw new Error(`${name}: this machine must run as an xmach task (kernel.spawn)`);
});

/** The sys of each machine program, by its actor system (so actions anywhere in it can find it). */
const sysOfSystem = new WeakMap<object, Sys>();

/** Tells callSys which sys a program actor (and every actor of its system) uses. The kernel calls this. */
export function bindProgram(actor: AnyActorRef, sys: Sys): void {
  sysOfSystem.set(actor.system, sys);
}

/** The event a machine receives when a `callSys` call finishes. */
export type SysDoneEvent<N extends SyscallName = SyscallName> = { type: `sys.${N}`; output: Awaited<ReturnType<Sys[N]>> };
/** The event a machine receives when a `callSys` call fails (it threw). */
export type SysErrorEvent<N extends SyscallName = SyscallName> = { type: `sys.${N}.error`; error: unknown };

/**
 * An XState action that makes a system call without invoking an actor: the
 * result comes back to the machine as an event, `{ type: 'sys.<name>', output }`
 * (or `{ type: 'sys.<name>.error', error }`). The same calls as the invoke style,
 * with one event instead of one child actor per call — several times cheaper
 * (see bench `pingpong-machine-events`).
 *
 * @example
 * states: {
 *   receiving: {
 *     entry: callSys('msg_receive', ({ context }) => ({ name: context.port })),
 *     on: { 'sys.msg_receive': { target: 'replying', actions: assign({ last: ({ event }) => event.output.msg }) } },
 *   },
 * }
 */
export function callSys<N extends SyscallName, C = unknown, E = unknown>(
  name: N,
  params?: InputOf<N> | ((args: { context: C; event: E }) => InputOf<N>),
): (args: { context: C; event: E; self: AnyActorRef }) => void {
  if (!isSyscall(name)) throw new TypeError(inputProblem(name, {})!);
  return (args) => {
    const self = args.self;
    const sys = sysOfSystem.get(self.system);
    if (!sys) throw new Error(`callSys('${name}'): this machine must run as an xmach task (kernel.spawn)`);
    const input = (typeof params === 'function' ? params(args) : (params ?? {})) as Record<string, unknown>;
    const problem = inputProblem(name, input);
    if (problem) {
      // A wrong input is the call's error, before any message is sent (the event is queued
      // on the machine's own mailbox and handled right after this transition).
      self.send({ type: `sys.${name}.error`, error: new TypeError(problem) });
      return;
    }
    const call = (sys[name] as (...a: unknown[]) => Promise<unknown>).apply(sys, (SYSCALL_PARAMS[name] as readonly string[]).map((p) => input[p]));
    call.then(
      (output) => self.send({ type: `sys.${name}`, output }),
      (error) => self.send({ type: `sys.${name}.error`, error }),
    );
  };
}
