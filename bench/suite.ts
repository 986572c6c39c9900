/**
 * The benchmarks, in the issues' order (10: the direct model beside Mach's).
 */
import type { BenchContext, Benchmark } from './harness.ts';
import direct from './direct.ts';
import fastPath from './fastpath.ts';
import hosts from './hosts.ts';
import messageChannel from './message-channel.ts';
import pingPongAsync from './pingpong-async.ts';
import pingPongMachine from './pingpong-machine.ts';
import pingPongMachineEvents from './pingpong-machine-events.ts';
import pingPongMachineSendReceive from './pingpong-machine-sendrecv.ts';
import pipe from './pipe.ts';
import rpc from './rpc.ts';
import rpcStubs from './rpc-stubs.ts';
import scale from './scale.ts';
import shm from './shm.ts';
import stream from './stream.ts';
import syscalls from './syscalls.ts';
import taskCreation from './task-creation.ts';
import taskMemory from './task-memory.ts';
import tcp from './tcp.ts';
import timers from './timers.ts';
import trace from './trace.ts';
import xdrBench from './xdr.ts';

export function benchmarks(ctx: BenchContext): Benchmark[] {
  return [
    pingPongAsync(ctx), // 1
    pingPongMachine(ctx), // 2
    pingPongMachineEvents(ctx), // 2, with callSys (reference)
    pingPongMachineSendReceive(ctx), // 2, with the combined trap
    stream(ctx), // 3
    rpc(ctx), // 4
    syscalls(ctx), // 5
    taskCreation(ctx), // 6
    taskMemory(ctx), // 6, memory
    timers(ctx), // 7
    ...scale(ctx), // 8
    trace(ctx), // 9
    xdrBench(ctx), // RPC: XDR vs JSON
    rpcStubs(ctx), // 12: ONC RPC through the stubs vs raw msg_rpc
    ...direct(ctx), // 10: the direct model beside Mach's
    messageChannel(ctx), // 11
    ...fastPath(ctx), // the fast path, on vs off (1, 4, 8)
    pipe(ctx), // issue 10: 4 KB writes through a 64 KB pipe vs a ring buffer
    ...shm(ctx), // 12: shared memory vs Mach messages, 64 KB bodies
    ...hosts(ctx), // 11: a packet between hosts, 10 and 100 hosts vs 1
    tcp(ctx), // 11: TCP over loopback vs a Mach port stream between the same tasks
  ];
}
