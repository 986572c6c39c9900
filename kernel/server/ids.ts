/**
 * Message ids of the kernel's interfaces, MIG style: a request id is the
 * subsystem base plus the routine's index; the reply id is request + 100.
 */

/** Reply id for a request id (MIG: request + 100). */
export function replyId(requestId: number): number {
  return requestId + 100;
}

/** The port subsystem (Mach's `mach_port` interface, base 3200), served on the task's kernel port. */
export const PORT_NAMES = 3200;
export const PORT_TYPE = 3201;
export const PORT_ALLOCATE = 3204;
export const PORT_DESTROY = 3205;
export const PORT_DEALLOCATE = 3206;
export const PORT_GET_REFS = 3207;
export const PORT_MOD_REFS = 3208;
export const PORT_SET_QLIMIT = 3209;
export const PORT_GET_ATTRIBUTES = 3210;
export const PORT_MOVE_MEMBER = 3211;
export const PORT_REQUEST_NOTIFICATION = 3212;
export const PORT_SET_LABEL = 3213;

/** The task subsystem (Mach's `task` interface, base 3400), served on the task's kernel port. */
export const TASK_SELF = 3400;
export const TASK_INFO = 3401;
export const TASK_FORK = 3402;
export const TASK_EXEC = 3403;
export const TASK_EXIT = 3404;
export const TASK_WAIT = 3405;
export const TASK_TERMINATE = 3406;
export const TASK_SUSPEND = 3407;
export const TASK_RESUME = 3408;
export const TASK_SIGNAL = 3409;
export const TASK_PS = 3410;
export const TASK_AWAIT = 3411;
export const TASK_THREAD_CREATE = 3412;

/** The name service (Mach 2.5's netname / launchd's bootstrap, base 400), served on the bootstrap port. */
export const NETNAME_CHECK_IN = 400;
export const NETNAME_LOOK_UP = 401;
export const NETNAME_CHECK_OUT = 402;
