import { KERN_INVALID_ARGUMENT, KERN_TERMINATED, MIG_BAD_ARGUMENTS, MIG_BAD_ID, codeName } from '../../ports/codes.ts';
import type { Port } from '../../ports/port.ts';
import { releaseRight } from '../../ports/rights.ts';
import type { Task } from '../../tasks/task.ts';
import type { ServerKernel } from './mig.ts';
import { ROUTINE_BY_ID, type RoutineName } from './defs.ts';
import { DEFER, err, reply, type Handler, type Reply } from './mig.ts';
import { bootstrapRoutines, netnameRoutines } from './netname.ts';
import { portRoutines } from './port-routines.ts';
import { taskRoutines } from './task-routines.ts';
import { directRoutines, mailboxRoutines, serveMailbox } from './model-routines.ts';
import { androidRoutines, syncRoutines, vmRoutines } from './memory-routines.ts';
import { Mailbox } from '../ipc/mailbox.ts';
import { netRoutines } from './net-routines.ts';

/** Every routine's handler, by name: the compiler checks that each routine in defs.ts has exactly one. */
const HANDLERS: Record<RoutineName, Handler> = { ...portRoutines, ...taskRoutines, ...netnameRoutines, ...directRoutines, ...mailboxRoutines, ...vmRoutines, ...syncRoutines, ...androidRoutines, ...netRoutines, ...bootstrapRoutines };

/**
 * Routine: serve
 * Purpose: the kernel's object server. Takes every request queued on a
 * kernel-received port (a task's kernel port, or the bootstrap port), looks its
 * id up in the interface table (defs.ts), runs the routine, and sends the
 * reply to the request's reply right with id = request id + 100. Rights a
 * request carried and the routine did not keep are destroyed.
 * Returns (in the reply), besides each routine's own codes:
 *   MIG_BAD_ID             no routine has that id on this port
 *   MIG_BAD_ARGUMENTS      the body is not an object
 *   KERN_INVALID_ARGUMENT  the port's task or the caller is unknown
 *   KERN_TERMINATED        the task has ended (except the routines a zombie answers)
 */
export function serve(k: ServerKernel, port: Port): void {
  // A mailbox's port holds messages for its receivers, not requests.
  if (port.kobject instanceof Mailbox) {
    serveMailbox(k, port.kobject);
    return;
  }
  const onBootstrap = port === k.bootstrap;
  for (let kmsg = k.ipc.pull(port); kmsg; kmsg = k.ipc.pull(port)) {
    k.ipc.accepted(kmsg);
    k.trace.counters.syscalls++;
    k.trace.counters.messagesReceived++;
    const caller = k.tasks.get(kmsg.sender);
    const target = onBootstrap ? caller : (port.kobject as Task | null);
    const def = ROUTINE_BY_ID.get(kmsg.id);
    let result: Reply | typeof DEFER;
    if (!def || (def.on === 'bootstrap') !== onBootstrap) result = err(MIG_BAD_ID);
    else if (!target || !caller) result = err(KERN_INVALID_ARGUMENT);
    else if (target.processEnded && !def.zombie) result = err(KERN_TERMINATED);
    else if (typeof kmsg.body !== 'object' || kmsg.body === null) result = err(MIG_BAD_ARGUMENTS);
    else result = HANDLERS[def.name as RoutineName](k, target, kmsg.body as Record<string, unknown>, kmsg, caller);
    if (k.trace.on) {
      const code = result === DEFER ? undefined : result.body.code;
      k.trace.emit({
        t: k.clock.now(), kind: 'syscall', pid: kmsg.sender, task: caller?.name ?? 'kernel',
        op: def && (def.on === 'bootstrap') === onBootstrap ? def.name : `id ${kmsg.id}`,
        msgId: kmsg.id, port: port.id, portLabel: port.label, ref: kmsg.traceId,
        ...(code !== undefined ? { code, codeName: codeName(code) } : { detail: 'reply deferred' }),
      });
    }
    for (const r of kmsg.rights) releaseRight(r, k.ipc);
    kmsg.rights = [];
    if (result !== DEFER) reply(k, kmsg, result);
    if (caller) k.served(caller);
  }
}
