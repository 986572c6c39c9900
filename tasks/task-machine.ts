import { setup } from 'xstate';
import type { PCB } from './pcb.ts';

/** The five process states of the course notes' diagram. */
export type ProcessState = 'new' | 'ready' | 'running' | 'waiting' | 'terminated';

/** Events the kernel sends a task actor; each is one arrow of the state diagram. */
export type TaskEvent =
  | { type: 'admit' } // new → ready
  | { type: 'dispatch' } // ready → running
  | { type: 'preempt' } // running → ready (interrupt, quantum expiry)
  | { type: 'block' } // running → waiting (a send, receive or wait that cannot finish yet)
  | { type: 'wake' } // waiting → ready (the event happened)
  | { type: 'exit' }; // running → terminated

/** Thrown (inside the actor) when the kernel asks for an arrow the diagram does not have. */
export class IllegalTransition extends Error {}

/**
 * The task actor's machine: its states are the process states and its context
 * is the PCB. Only the diagram's arrows exist; any other event is an illegal
 * transition, which errors the actor (a kernel bug the tests catch).
 */
export const taskMachine = setup({
  types: {
    context: {} as PCB,
    input: {} as { pcb: PCB },
    events: {} as TaskEvent,
  },
  actions: {
    illegal: ({ event, context }) => {
      throw new IllegalTransition(`task ${context.pid} (${context.name}): no '${event.type}' arrow from '${context.state}'`);
    },
  },
}).createMachine({
  id: 'task',
  // The PCB is a kernel-owned record; the machine holds it as its context.
  context: ({ input }) => input.pcb,
  initial: 'new',
  on: { '*': { actions: 'illegal' } },
  states: {
    new: { on: { admit: 'ready' } },
    ready: { on: { dispatch: 'running' } },
    running: { on: { block: 'waiting', preempt: 'ready', exit: 'terminated' } },
    waiting: { on: { wake: 'ready' } },
    terminated: { type: 'final' },
  },
});

/** The arrows of the diagram, for the kernel's own check. */
export const ARROWS: Record<TaskEvent['type'], [from: ProcessState, to: ProcessState]> = {
  admit: ['new', 'ready'],
  dispatch: ['ready', 'running'],
  preempt: ['running', 'ready'],
  block: ['running', 'waiting'],
  wake: ['waiting', 'ready'],
  exit: ['running', 'terminated'],
};
