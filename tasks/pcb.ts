import type { ProcessState } from './task-machine.ts';

/** How a task ended. */
export interface ExitStatus {
  /** 0 for a normal end; the number a program returned; 1 when it threw; 137 when killed. */
  code: number;
  /** Why: 'exit' (returned), 'error' (threw), 'killed'. */
  reason: 'exit' | 'error' | 'killed';
  /** The error message when the program threw. */
  error?: string;
}

/**
 * The process control block: everything the kernel knows about a task. It is
 * the task actor's context; `task_info` returns a copy.
 */
export interface PCB {
  // identity
  pid: number;
  name: string;
  /** pid of the task that created it (0 = the kernel). */
  parent: number;

  // process state (mirrors the task actor's state value)
  state: ProcessState;
  /** Program counter: where the program is (its current trap or syscall, or machine state). */
  pc: string;
  /** The program's own registers: whatever it keeps with `sys.setRegisters`. */
  registers: Record<string, unknown>;

  // CPU scheduling
  priority: number;
  /** The queue the task sits on: 'ready', the kind of wait ('send', 'receive', 'timer', 'event'; task_info spells it out), or ''. */
  queue: string;

  /** The CPU it runs on (null when not running). */
  cpu: number | null;

  // accounting (virtual ms)
  /** CPU time used (time spent computing). */
  cpuTime: number;
  /** CPU-time limit in ms (null: none); a task that reaches it is killed (status 152). */
  cpuLimit: number | null;
  startedAt: number;
  endedAt: number | null;
  /** Time spent waiting in traps. */
  waitTime: number;
  dispatches: number;

  // memory
  /** Bytes of message bodies queued on the ports the task receives on. */
  memory: number;
  /** MB the program has allocated (`mem_alloc`), counted against the device's memory. */
  allocated: number;
  /** Android's importance class (the low-memory killer kills the least important first). */
  importance: 'foreground' | 'visible' | 'service' | 'background' | 'empty';
  /** Virtual time the process was last made foreground or allocated (the killer's LRU). */
  lastActive: number;
  /** Memory regions the process maps (filled in by `task_info`): the region's port id, its size in bytes, MAP_SHARED or not, mapped writable or not. */
  regions: MappedRegion[];

  // I/O status
  /** Number of names in the task's port name space. */
  rights: number;
  /** Handles it holds: send rights to other tasks' kernel ports. */
  handles: number;

  exit: ExitStatus | null;
}

/** One mapped memory region, as the PCB's memory-management information shows it. */
export interface MappedRegion {
  /** The region's port id (as traces name ports). */
  region: number;
  size: number;
  /** MAP_SHARED (a fork shares it) or MAP_PRIVATE (a fork copies it). */
  shared: boolean;
  writable: boolean;
}

/** A fresh PCB for a new task. */
export function newPcb(pid: number, name: string, parent: number, now: number, priority = 0): PCB {
  return {
    pid, name, parent, state: 'new', pc: 'start', registers: {}, priority, queue: '', cpu: null, cpuTime: 0, cpuLimit: null,
    startedAt: now, endedAt: null, waitTime: 0, dispatches: 0, memory: 0, allocated: 0, importance: 'foreground', lastActive: now, regions: [], rights: 0, handles: 0, exit: null,
  };
}

/** One row of `ps`. */
export interface ProcRow {
  pid: number;
  ppid: number;
  name: string;
  state: ProcessState;
  /** One letter, as ps prints it: R running, r ready, S waiting, T stopped, Z zombie, N new. */
  stat: 'R' | 'r' | 'S' | 'T' | 'Z' | 'N';
  priority: number;
  cpuTime: number;
  /** Threads of the process (1 for a single-threaded one). */
  threads: number;
}

