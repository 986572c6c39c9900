/**
 * xmach: a Mach-style microkernel emulator. This file is the map: every
 * public name, grouped by room.
 *
 * @example
 * import { boot, MACH_MSG_SUCCESS } from './index.ts';
 * const k = boot({ seed: 7 });
 * k.spawn('hello', async (sys) => {
 *   const { name } = await sys.port_allocate();
 *   await sys.msg_send(name!, { id: 1, body: 'hi' });
 *   const r = await sys.msg_receive(name!);
 *   sys.log(r.ok ? r.msg.body : r.code);
 * });
 * const report = await k.run(); // report.status === 'done'
 */
import type { AnyActorRef } from 'xstate';
import { Kernel, type KernelOptions } from './kernel/kernel.ts';
import { bindProgram, syscallActors } from './syscalls/actors.ts';
import { makeSys, type Sys } from './syscalls/sys.ts';

/** Options of boot: the kernel's options without the syscalls wiring. */
export type BootOptions = Omit<KernelOptions, 'makeSys' | 'makeActors' | 'bindProgram'>;

/**
 * Boots a kernel: clock, trace, bootstrap port, and the syscalls layer wired
 * in. Spawn tasks on it, then `await kernel.run()`.
 */
export function boot(options: BootOptions = {}): Kernel<Sys> {
  return new Kernel<Sys>({
    ...options,
    makeSys,
    makeActors: (sys) => syscallActors(sys as Sys),
    bindProgram: (actor, sys) => bindProgram(actor as AnyActorRef, sys as Sys),
  });
}

// --- kernel/ ---------------------------------------------------------------------
export type { Kernel } from './kernel/kernel.ts';
export type { DeadlockEntry, KernelOptions, PortRef, RpcOptions, RunOptions, RunReport, SpawnOptions } from './kernel/kernel.ts';
export type { FullPolicy, ReceiveOptions, ReceiveResult, SendOptions } from './kernel/ipc/ipc.ts';
export * from './ports/notify.ts';
export type { SchedOptions, SchedPolicy } from './kernel/sched/sched.ts';
export { KILLED } from './kernel/task/proc.ts';
export type { ProcessOptions, ProcRow } from './kernel/task/proc.ts';
export { ids, ROUTINES } from './kernel/server/defs.ts';
export type { ArgDef, ArgType, RoutineDef, RoutineName, Share, Signal } from './kernel/server/defs.ts';
export { Clock } from './kernel/time/clock.ts';
export { Random } from './kernel/time/random.ts';
export type { ClockOptions, Timer } from './kernel/time/clock.ts';

// --- ports/ ----------------------------------------------------------------------
export * from './ports/codes.ts';
export {
  MACH_PORT_DEAD,
  MACH_PORT_NULL,
  MACH_PORT_QLIMIT_DEFAULT,
  MACH_PORT_QLIMIT_MAX,
  MACH_PORT_QLIMIT_UNBOUNDED,
} from './ports/port.ts';
export {
  MACH_PORT_TYPE_DEAD_NAME,
  MACH_PORT_TYPE_DNREQUEST,
  MACH_PORT_TYPE_MAREQUEST,
  MACH_PORT_TYPE_PORT_SET,
  MACH_PORT_TYPE_RECEIVE,
  MACH_PORT_TYPE_SEND,
  MACH_PORT_TYPE_SEND_ONCE,
  MACH_PORT_UREFS_MAX,
} from './ports/space.ts';
export type { RightKind } from './ports/space.ts';
export type { Disposition, InMessage, OutMessage, ReceivedRight, RightToSend } from './ports/message.ts';

// --- tasks/ ----------------------------------------------------------------------
export type { Task } from './tasks/task.ts';
export { taskMachine } from './tasks/task-machine.ts';
export type { ProcessState } from './tasks/task-machine.ts';
export type { ExitStatus, PCB } from './tasks/pcb.ts';
export type { AsyncProgram, Program, TaskInput } from './tasks/program.ts';

// --- syscalls/ -------------------------------------------------------------------
export { ANY } from './syscalls/sys.ts';
export type { CallResult, DirectOptions, DirectResult, ForkOptions, ForkResult, PortAttributes, StubResult, Sys } from './syscalls/sys.ts';
export type { MailboxSharing } from './kernel/traps.ts';
export { callSys, machActors, SYSCALL_PARAMS } from './syscalls/actors.ts';
export type { SysDoneEvent, SysErrorEvent, SyscallActors, SyscallName } from './syscalls/actors.ts';

// --- models/: the course's messaging models and the comparison harness ---------------
export { compare, MODELS, renderComparison } from './models/compare.ts';
export { WORKLOADS } from './models/workloads.ts';
export type { ModelFigures } from './models/run.ts';
export type { Endpoint, MessagingModel, ModelEnv, Payload, Received } from './models/model.ts';
export type { Need, Role, Step, Workload } from './models/workload.ts';

// --- trace/ and testing/ (also their own entries: xmach/trace, xmach/testing) ------
export * from './trace/index.ts';
export * from './testing/index.ts';
